//! Thin, panic-free wrappers over the few browser APIs the views need: clock, sessionStorage, the
//! URL fragment, the clipboard, focus. Every failure is reported as `None`/`false`/`Err` so a
//! locked-down browser (storage disabled, clipboard denied) degrades instead of panicking.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use wasm_bindgen::JsValue;

/// Wall clock. `SystemTime::now()` panics on wasm32, so the time comes from `Date.now()`.
pub fn now() -> SystemTime {
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 {
        UNIX_EPOCH + Duration::from_millis(ms as u64)
    } else {
        UNIX_EPOCH
    }
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Read a sessionStorage item. Never localStorage: credentials must not outlive the tab.
pub fn session_get(key: &str) -> Option<String> {
    session_storage()?.get_item(key).ok().flatten()
}

/// Write a sessionStorage item; false when storage is unavailable or full.
pub fn session_set(key: &str, value: &str) -> bool {
    session_storage()
        .map(|s| s.set_item(key, value).is_ok())
        .unwrap_or(false)
}

/// sessionStorage can be written now (a probe item, removed again): what keeps a send's record.
pub fn storage_works() -> bool {
    const PROBE: &str = "keyturn.probe";
    let ok = session_set(PROBE, "1");
    session_remove(PROBE);
    ok
}

pub fn session_remove(key: &str) {
    if let Some(s) = session_storage() {
        let _ = s.remove_item(key);
    }
}

/// The current URL fragment including `#` (empty when there is none).
pub fn hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Put `fragment` (starting with `#`) in the address bar. `push` adds a history entry so Back
/// returns to the previous key; either way no `hashchange` fires, so there is no feedback loop.
pub fn set_hash(fragment: &str, push: bool) {
    if hash() == fragment {
        return;
    }
    let Some(history) = web_sys::window().and_then(|w| w.history().ok()) else {
        return;
    };
    let _ = if push {
        history.push_state_with_url(&JsValue::NULL, "", Some(fragment))
    } else {
        history.replace_state_with_url(&JsValue::NULL, "", Some(fragment))
    };
}

/// Back to the top of the page (the console replaces the connect form, which may have been
/// scrolled down to its Connect button).
pub fn scroll_to_top() {
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// Copy text to the clipboard. Err when the browser refuses (no permission, insecure origin).
pub async fn copy_text(text: &str) -> Result<(), ()> {
    let window = web_sys::window().ok_or(())?;
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| ())
}

/// Remove the element with this id, if any (the start-up shell of index.html once the app has
/// rendered: docs/performance.md §4).
pub fn remove_by_id(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
    {
        el.remove();
    }
}

/// Toggle a class on `<body>` (used to stop the page scrolling behind the modal dialog).
pub fn body_class(class: &str, on: bool) {
    if let Some(body) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.body())
    {
        let list = body.class_list();
        let _ = if on {
            list.add_1(class)
        } else {
            list.remove_1(class)
        };
    }
}

/// The element that has focus now (to give it back when a dialog closes).
pub fn active_element() -> Option<web_sys::HtmlElement> {
    use wasm_bindgen::JsCast;
    web_sys::window()?
        .document()?
        .active_element()?
        .dyn_into::<web_sys::HtmlElement>()
        .ok()
}

/// The tag name (upper case, as the DOM gives it) of the element an event came from.
pub fn event_target_tag(ev: &web_sys::Event) -> Option<String> {
    use wasm_bindgen::JsCast;
    ev.target()?
        .dyn_into::<web_sys::Element>()
        .ok()
        .map(|e| e.tag_name())
}

/// Ask the user to confirm (the browser's own dialog: text only, never markup).
pub fn confirm(question: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(question).ok())
        .unwrap_or(false)
}

/// Scroll the element with `data-testid=testid` into view (the nearest edge) and focus it.
pub fn reveal(testid: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Ok(Some(el)) = doc.query_selector(&format!("[data-testid=\"{testid}\"]")) else {
        return;
    };
    el.scroll_into_view_with_bool(false);
    if let Ok(html) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el) {
        let _ = html.focus();
    }
}

/// Offer `text` as a file download named `name` (a Blob URL clicked through a temporary link,
/// revoked once the click has started the download). False when the browser refused.
pub fn download(name: &str, mime: &str, text: &str) -> bool {
    use wasm_bindgen::JsCast;
    let run = || -> Option<()> {
        let parts = js_sys::Array::of1(&JsValue::from_str(text));
        let options = web_sys::BlobPropertyBag::new();
        options.set_type(mime);
        let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
        let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
        let document = web_sys::window()?.document()?;
        let link: web_sys::HtmlElement = document.create_element("a").ok()?.dyn_into().ok()?;
        link.set_attribute("href", &url).ok()?;
        link.set_attribute("download", name).ok()?;
        link.set_attribute("hidden", "").ok()?;
        let body = document.body()?;
        body.append_child(&link).ok()?;
        link.click();
        link.remove();
        // Revoked on the next turn: the click has handed the URL to the download by then.
        let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        });
        web_sys::window()?
            .set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 1000)
            .ok()?;
        Some(())
    };
    run().is_some()
}

/// A Blob URL of `bytes` for a download link; [`revoke_url`] it when the link goes.
pub fn bytes_url(bytes: &[u8], mime: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

pub fn revoke_url(url: &str) {
    let _ = web_sys::Url::revoke_object_url(url);
}

/// The name and bytes of the file chosen in a file input; None when none is chosen.
pub async fn read_chosen_file(
    input: &web_sys::HtmlInputElement,
) -> Option<Result<(String, Vec<u8>), String>> {
    let file = input.files()?.get(0)?;
    let name = file.name();
    Some(
        match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
            Ok(buffer) => Ok((name, js_sys::Uint8Array::new(&buffer).to_vec())),
            Err(_) => Err(format!("The browser could not read {name}.")),
        },
    )
}

/// Focus the element matching `selector` inside the event's current target (an SVG or HTML
/// element: both have `focus()`).
pub fn focus_within(ev: &web_sys::Event, selector: &str) {
    use wasm_bindgen::JsCast;
    let Some(root) = ev
        .current_target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let Ok(Some(el)) = root.query_selector(selector) else {
        return;
    };
    if let Ok(f) = js_sys::Reflect::get(&el, &JsValue::from_str("focus")) {
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            let _ = f.call0(&el);
        }
    }
}

/// The window's width in CSS pixels.
pub fn viewport_width() -> Option<f64> {
    web_sys::window()?.inner_width().ok()?.as_f64()
}
