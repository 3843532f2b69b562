//! Presentation of times in the reader's local zone (the browser knows it; `console::format`
//! stays in UTC so it needs no time-zone data).

use std::time::{SystemTime, UNIX_EPOCH};

fn js_date(t: SystemTime) -> js_sys::Date {
    let ms = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as f64)
        .unwrap_or(0.0);
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms))
}

/// `14:03:27` in local time.
pub fn local_time(t: SystemTime) -> String {
    let d = js_date(t);
    format!(
        "{:02}:{:02}:{:02}",
        d.get_hours(),
        d.get_minutes(),
        d.get_seconds()
    )
}

/// `2026-11-25 14:03` in local time.
pub fn local_date_time(t: SystemTime) -> String {
    let d = js_date(t);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}
