//! A one-shot answer between two tasks of the page: one awaits it, the other gives it once.
//! (The page is single-threaded; `Rc` and `Cell` suffice, no channel crate.)

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

pub struct Slot<T> {
    value: Cell<Option<T>>,
    waker: RefCell<Option<Waker>>,
}

impl<T> Slot<T> {
    pub fn new() -> Rc<Self> {
        Rc::new(Slot {
            value: Cell::new(None),
            waker: RefCell::new(None),
        })
    }

    /// Give the answer (a later one replaces one not yet taken) and wake the waiting task.
    pub fn give(&self, value: T) {
        self.value.set(Some(value));
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
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
