//! The error banner (one at a time: the latest error) and the notice line. Server text is
//! rendered as text nodes only. A new error is scrolled into view and focused, so it is seen
//! where the user is looking (the connect form puts it beside the Connect button).

use leptos::prelude::*;

use crate::ui::dom;
use crate::ui::state::{use_app, NoticeKind};

/// The error banner and the notice line, at the top of the console.
#[component]
pub fn Banners() -> impl IntoView {
    view! {
        <div class="banners">
            <ErrorBanner/>
            <NoticeLine/>
        </div>
    }
}

/// The latest error.
#[component]
pub fn ErrorBanner() -> impl IntoView {
    let app = use_app();
    let id = Memo::new(move |_| app.error.with(|e| e.as_ref().map(|e| e.id)));
    Effect::new(move |_| {
        if id.get().is_some() {
            // After the banner is in the page.
            request_animation_frame(|| dom::reveal("error-banner"));
        }
    });
    view! {
        <div class="banner-slot">
            {move || {
                app.error
                    .get()
                    .map(|e| {
                        let meta = {
                            let mut parts = Vec::new();
                            if let Some(s) = e.status {
                                parts.push(format!("HTTP {s}"));
                            }
                            if let Some(r) = &e.request_id {
                                parts.push(format!("request ID {r}"));
                            }
                            parts.join(" \u{b7} ")
                        };
                        view! {
                            <div class="banner error" role="alert" data-testid="error-banner" tabindex="-1">
                                <div class="banner-body">
                                    <div class="banner-title">
                                        {e
                                            .code
                                            .clone()
                                            .map(|c| {
                                                view! {
                                                    <span class="code-tag" data-testid="error-code">
                                                        {c}
                                                    </span>
                                                }
                                            })}
                                        {e.sentence.clone()}
                                    </div>
                                    {(!meta.is_empty())
                                        .then(|| view! { <div class="banner-meta">{meta}</div> })}
                                </div>
                                <button
                                    type="button"
                                    class="btn small ghost"
                                    data-testid="error-dismiss"
                                    aria-label="Dismiss the error"
                                    on:click=move |_| app.dismiss_error()
                                >
                                    "Dismiss"
                                </button>
                            </div>
                        }
                    })
            }}
        </div>
    }
}

/// The latest notice.
#[component]
pub fn NoticeLine() -> impl IntoView {
    let app = use_app();
    view! {
        <div class="banner-slot">
            {move || {
                app.notice
                    .get()
                    .map(|n| {
                        let class = match n.kind {
                            NoticeKind::Success => "banner notice success",
                            NoticeKind::Warning => "banner warning",
                        };
                        view! {
                            <div class=class role="status" data-testid="notice">
                                <div class="banner-body">{n.text.clone()}</div>
                                <button
                                    type="button"
                                    class="btn small ghost"
                                    aria-label="Dismiss the notice"
                                    on:click=move |_| app.notice.set(None)
                                >
                                    "Dismiss"
                                </button>
                            </div>
                        }
                    })
            }}
        </div>
    }
}
