//! A key's automatic rotation settings, its tags, its key materials, and copying text to the
//! clipboard.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::super::dom;
use super::super::state::{App, NoticeKind};
use super::session;
use crate::aws::kms::{ListResourceTags, RotationsListEntry, Tag};
use crate::console::eligibility::RotationStatus;
use crate::console::fleet::RowKey;
use crate::console::inventory::{every_page, list_rotations};
use crate::console::rotation::{save_automatic_rotation, AutoSetting};

/// Save automatic rotation for `key` in its scope. `on_saved` gets the status KMS reports
/// afterwards (the server wins); failures go to the banner.
pub fn save_rotation_settings(
    app: App,
    key: RowKey,
    setting: AutoSetting,
    saving: RwSignal<bool>,
    on_saved: impl Fn(&RotationStatus) + 'static,
) {
    let Some((client, token)) = app.scope_client(&key.scope) else {
        return;
    };
    saving.set(true);
    spawn_local(async move {
        let result = save_automatic_rotation(&client, &key.key_id, setting, None).await;
        if token.is_cancelled() {
            return;
        }
        saving.set(false);
        match result {
            Ok(s) => {
                app.fleet.update(|f| {
                    if let Some(e) = f.scope_mut(&key.scope) {
                        e.inventory.set_status(&key.key_id, s.clone());
                    }
                });
                on_saved(&s);
            }
            Err(e) => session::report_sentence(app, e.sentence(), e.error()),
        }
    });
}

/// Every ListResourceTags page of `key`, into `into` (Err: the sentence to show).
pub fn load_tags(app: App, key: RowKey, into: RwSignal<Option<Result<Vec<Tag>, String>>>) {
    let Some((client, token)) = app.scope_client(&key.scope) else {
        return;
    };
    spawn_local(async move {
        let first = ListResourceTags {
            key_id: key.key_id,
            ..Default::default()
        };
        let result = every_page(&client, first, |_| {}).await;
        if token.is_cancelled() {
            return;
        }
        into.try_set(Some(result.map_err(|e| e.user_message())));
    });
}

/// Every material of `key` (ListKeyRotations with ALL_KEY_MATERIAL, every page), into `into`
/// (Err: the sentence to show). docs/kms.md §3.8 Key material.
pub fn load_materials(
    app: App,
    key: RowKey,
    into: RwSignal<Option<Result<Vec<RotationsListEntry>, String>>>,
) {
    let Some((client, token)) = app.scope_client(&key.scope) else {
        return;
    };
    spawn_local(async move {
        let result = list_rotations(&client, &key.key_id, true).await;
        if token.is_cancelled() {
            return;
        }
        into.try_set(Some(result.map_err(|e| e.user_message())));
    });
}

/// Copy an AWS CLI command to the clipboard and say whether it worked.
pub fn copy_with_notice(app: App, text: String) {
    copy_saying(app, text, "Copied the AWS CLI command.");
}

/// Copy `text` to the clipboard; `done` is the notice when it worked.
pub fn copy_saying(app: App, text: String, done: &'static str) {
    spawn_local(async move {
        match dom::copy_text(&text).await {
            Ok(()) => app.notify(NoticeKind::Success, done),
            Err(()) => app.notify(
                NoticeKind::Warning,
                "The browser did not allow copying to the clipboard: select the text and copy \
                 it by hand.",
            ),
        }
    });
}
