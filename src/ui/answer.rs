//! A one-shot answer between two tasks of the page: one awaits it, the other gives it once.
//! (The page is single-threaded; `Rc` and `Cell` suffice, no channel crate.)

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

pub struct Slot<T> {
    value: Cell<Option<T>>,
    given: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl<T> Slot<T> {
    pub fn new() -> Rc<Self> {
        Rc::new(Slot {
            value: Cell::new(None),
            given: Cell::new(false),
            waker: RefCell::new(None),
        })
    }

    /// Give the answer and wake the waiting task. The first answer wins; later ones are
    /// ignored (a fallback given when a task ends cannot undo a real one).
    pub fn give(&self, value: T) {
        if self.given.replace(true) {
            return;
        }
        self.value.set(Some(value));
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }

    /// An answer was given (taken or not).
    pub fn given(&self) -> bool {
        self.given.get()
    }

    /// Wait for the answer.
    pub fn wait(self: &Rc<Self>) -> Wait<T> {
        Wait(Rc::clone(self))
    }
}

pub struct Wait<T>(Rc<Slot<T>>);

impl<T> Future for Wait<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.0.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                *self.0.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
