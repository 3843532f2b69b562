//! The error banner (one at a time: the latest error, with how many came before) and the notice
//! line. Server text is rendered as text nodes only.

use leptos::prelude::*;

use super::state::{App, NoticeKind};

#[component]
pub fn Banners(app: App) -> impl IntoView {
    view! {
        <div class="banners">
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
                            <div class="banner error" role="alert" data-testid="error-banner">
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
