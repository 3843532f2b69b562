//! The request log: one row per HTTP exchange (each retry attempt too), newest first, expanding
//! to the signed request (signature and token already redacted by the client) and the response.

use leptos::prelude::*;

use crate::console::format::thousands;
use crate::ui::fmt::local_time;
use crate::ui::state::{use_app, LogEntry};

/// Rows rendered at once; older ones stay in memory and are counted.
const SHOWN: usize = 200;

#[component]
pub fn RequestLog() -> impl IntoView {
    let app = use_app();
    let open = RwSignal::new(true);
    let total = Memo::new(move |_| app.log.with(Vec::len));
    let shown = move || {
        app.log.with(|log| {
            log.iter()
                .rev()
                .take(SHOWN)
                .cloned()
                .collect::<Vec<LogEntry>>()
        })
    };
    let count_text = move || {
        let n = total.get();
        if n > SHOWN {
            format!("latest {SHOWN} of {} requests", thousands(n))
        } else {
            format!("{} request{}", thousands(n), if n == 1 { "" } else { "s" })
        }
    };

    view! {
        <section class="request-log" aria-labelledby="request-log-title">
            <div class="card" data-testid="request-log">
                <div class="card-head">
                    <h2 id="request-log-title">"Request log"</h2>
                    <span class="count muted" data-testid="request-log-count">{count_text}</span>
                    <span class="spacer"></span>
                    <button
                        type="button"
                        class="btn small ghost"
                        on:click=move |_| app.clear_log()
                        prop:disabled=move || total.get() == 0
                    >
                        "Clear"
                    </button>
                    <button
                        type="button"
                        class="btn small"
                        aria-expanded=move || if open.get() { "true" } else { "false" }
                        aria-controls="request-log-body"
                        on:click=move |_| open.update(|o| *o = !*o)
                    >
                        {move || if open.get() { "Hide" } else { "Show" }}
                    </button>
                </div>
                <Show when=move || open.get()>
                    <div id="request-log-body">
                        <div class="log-head" aria-hidden="true">
                            <span>"Time"</span>
                            <span>"Operation"</span>
                            <span class="log-opt">"Key"</span>
                            <span>"Status"</span>
                            <span>"Duration"</span>
                            <span class="log-opt">"Request ID"</span>
                        </div>
                        <div class="log-list">
                            <For each=shown key=|e| e.seq children=move |e| view! { <LogRow entry=e/> }/>
                            <Show when=move || total.get() == 0>
                                <p class="empty">"No requests yet."</p>
                            </Show>
                        </div>
                    </div>
                </Show>
            </div>
        </section>
    }
}

#[component]
fn LogRow(entry: LogEntry) -> impl IntoView {
    let r = &*entry.record;
    let ok = r.status.is_some_and(|s| (200..300).contains(&s));
    let status = match r.status {
        Some(s) => s.to_string(),
        None => "\u{2014}".to_string(),
    };
    let status_class = if ok { "status-ok" } else { "status-err" };
    let operation = if r.attempt > 1 {
        format!("{} (attempt {})", r.operation, r.attempt)
    } else {
        r.operation.clone()
    };
    let key = r.key_id.clone().unwrap_or_else(|| "\u{2014}".to_string());
    let request_id = r
        .request_id
        .clone()
        .unwrap_or_else(|| "\u{2014}".to_string());
    let mut request = format!("{} {}\n", r.method, r.url);
    for (k, v) in &r.request_headers {
        request.push_str(k);
        request.push_str(": ");
        request.push_str(v);
        request.push('\n');
    }
    request.push('\n');
    request.push_str(&r.request_body);
    let mut response = match r.status {
        Some(s) => format!("HTTP {s}\n"),
        None => "No response\n".to_string(),
    };
    if let Some(id) = &r.request_id {
        response.push_str(&format!("x-amzn-RequestId: {id}\n"));
    }
    if let Some(e) = &r.error {
        response.push_str(&format!("Error: {e}\n"));
    }
    response.push('\n');
    response.push_str(if r.response_body.is_empty() {
        "(empty body)"
    } else {
        &r.response_body
    });

    view! {
        <details class="log-row" data-testid="request-log-row" data-operation=r.operation.clone()>
            <summary>
                <span class="mono">{local_time(r.started)}</span>
                <span data-testid="request-log-operation">{operation}</span>
                <span class="mono log-opt" title=key.clone()>{key.clone()}</span>
                <span class=status_class data-testid="request-log-status">{status}</span>
                <span class="mono">{format!("{} ms", r.duration_ms)}</span>
                <span class="mono log-opt" title=request_id.clone()>{request_id.clone()}</span>
            </summary>
            <div class="log-detail">
                <div>
                    <h4>"Signed request (signature and token redacted)"</h4>
                    <pre data-testid="request-log-request">{request}</pre>
                </div>
                <div>
                    <h4>"Response"</h4>
                    <pre data-testid="request-log-response">{response}</pre>
                </div>
            </div>
        </details>
    }
}
