//! Images attached to calendar items. Owns: taking an image in (its format and size read from
//! its first bytes, at most [`MAX_IMAGES`] per item and [`MAX_IMAGE_BYTES`] each, alt text
//! required), its alt text, order and removal, and what a change does to the item (an approved
//! item goes back to review; a scheduled one must still be able to go out). Each distinct
//! image is stored once, by its SHA-256. Must never: take in a file it cannot name as PNG,
//! JPEG, GIF or WebP, or change the images of a post already in the outbox.

use rusqlite::{params, OptionalExtension, Transaction};
use sha2::{Digest, Sha256};

use super::rules::{MAX_IMAGES, MAX_IMAGE_BYTES};
use crate::error::{Error, Result};
use crate::model::{CalendarImage, CalendarItem, ContentState, Millis};
use crate::store::Store;

/// The formats every platform Hearth posts images to takes, as (format, MIME type).
fn format_of(bytes: &[u8]) -> Option<&'static str> {
    use imagesize::ImageType;
    match imagesize::image_type(bytes).ok()? {
        ImageType::Png => Some("image/png"),
        ImageType::Jpeg => Some("image/jpeg"),
        ImageType::Gif => Some("image/gif"),
        ImageType::Webp => Some("image/webp"),
        _ => None,
    }
}

/// An image's file name as it is kept: its last path part, without control characters, at
/// most 120 characters; "image" when nothing is left.
fn clean_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let kept: String = last.chars().filter(|c| !c.is_control()).take(120).collect();
    let kept = kept.trim();
    if kept.is_empty() {
        "image".into()
    } else {
        kept.to_string()
    }
}

fn clean_alt(alt: &str, file_name: &str) -> Result<String> {
    let alt = alt.trim();
    if alt.is_empty() {
        return Err(Error::invalid(format!(
            "{file_name} needs alt text: describe what it shows for people who cannot see it"
        )));
    }
    Ok(alt.to_string())
}

pub(super) const SELECT_IMAGE: &str =
    "SELECT id, item_id, file_name, mime, size, width, height, alt
    FROM calendar_images";

pub(super) fn row_to_image(r: &rusqlite::Row<'_>) -> rusqlite::Result<CalendarImage> {
    Ok(CalendarImage {
        id: r.get(0)?,
        item_id: r.get(1)?,
        file_name: r.get(2)?,
        mime: r.get(3)?,
        size: r.get(4)?,
        width: r.get(5)?,
        height: r.get(6)?,
        alt: r.get(7)?,
    })
}

/// An item's images in the order they are posted, without their bytes.
pub(crate) fn images_of(conn: &rusqlite::Connection, item: i64) -> Result<Vec<CalendarImage>> {
    Ok(conn
        .prepare_cached(&format!(
            "{SELECT_IMAGE} WHERE item_id = ?1 ORDER BY position, id"
        ))?
        .query_map([item], row_to_image)?
        .collect::<rusqlite::Result<_>>()?)
}

/// The item an image belongs to, or a clear error.
fn item_of_image(tx: &Transaction<'_>, image: i64) -> Result<i64> {
    tx.query_row(
        "SELECT item_id FROM calendar_images WHERE id = ?1",
        [image],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| Error::not_found("image", image))
}

/// Refuses a change to the images of an item whose posts are in the outbox or out, or that
/// is published.
fn check_changeable(tx: &Transaction<'_>, item: i64) -> Result<()> {
    let state: String = tx
        .query_row(
            "SELECT state FROM calendar_items WHERE id = ?1",
            [item],
            |r| r.get(0),
        )
        .optional()?
        .ok_or_else(|| Error::not_found("calendar item", item))?;
    let state = ContentState::parse(&state).unwrap_or(ContentState::Draft);
    let out: i64 = tx.query_row(
        "SELECT count(*) FROM calendar_target_status
         WHERE item_id = ?1 AND status IN ('queued', 'sending', 'sent')",
        [item],
        |r| r.get(0),
    )?;
    if out > 0 || state.is_out() {
        return Err(Error::invalid(
            "its posts have gone to the outbox, so its images can no longer change; write a new item to post others",
        ));
    }
    Ok(())
}

/// What changing an item's images does to it: an approved item goes back to review (what was
/// approved is not what would go out); a scheduled item must still be able to go out, or the
/// change is refused with the reasons.
fn images_changed(tx: &Transaction<'_>, item: i64, now: Millis) -> Result<()> {
    let (state, approved): (String, bool) = tx.query_row(
        "SELECT state, approved_at IS NOT NULL FROM calendar_items WHERE id = ?1",
        [item],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let state = ContentState::parse(&state).unwrap_or(ContentState::Draft);
    let state = if approved
        && matches!(
            state,
            ContentState::Approved | ContentState::Scheduled | ContentState::InReview
        ) {
        ContentState::InReview
    } else {
        state
    };
    if state == ContentState::Scheduled {
        let problems = super::readiness_of_item(tx, item)?;
        if !problems.is_empty() {
            return Err(Error::invalid(format!(
                "it is scheduled, and then it could not go out: {}",
                problems.join("; ")
            )));
        }
    }
    tx.execute(
        "UPDATE calendar_items SET state = ?2, updated_at = ?3, approved_at = NULL,
             approved_by = NULL
         WHERE id = ?1",
        params![item, state.as_str(), now],
    )?;
    Ok(())
}

impl Store {
    /// Attaches an image to item `item`, after the ones it has. `alt` says what it shows and
    /// is required. Refused: a file that is not a PNG, JPEG, GIF or WebP image, one over
    /// 16 MB, an eleventh image, and any change to an item whose posts have gone out.
    pub fn add_calendar_image(
        &mut self,
        item: i64,
        file_name: &str,
        bytes: &[u8],
        alt: &str,
        now: Millis,
    ) -> Result<CalendarItem> {
        let file_name = clean_name(file_name);
        let Some(mime) = format_of(bytes) else {
            return Err(Error::invalid(format!(
                "{file_name} is not an image Hearth can post: use a PNG, JPEG, GIF or WebP file"
            )));
        };
        let size = u32::try_from(bytes.len())
            .ok()
            .filter(|n| *n <= MAX_IMAGE_BYTES)
            .ok_or_else(|| {
                Error::invalid(format!(
                    "{file_name} is {}; Hearth takes images up to {} (the most any platform takes)",
                    super::rules::size_in_words(u32::try_from(bytes.len()).unwrap_or(u32::MAX)),
                    super::rules::size_in_words(MAX_IMAGE_BYTES)
                ))
            })?;
        let dims = imagesize::blob_size(bytes).map_err(|_| {
            Error::invalid(format!(
                "{file_name} looks like an image but its size cannot be read: it may be cut short"
            ))
        })?;
        let alt = clean_alt(alt, &file_name)?;
        let hash = Sha256::digest(bytes).to_vec();
        let tx = self.conn_mut().transaction()?;
        check_changeable(&tx, item)?;
        let count: i64 = tx.query_row(
            "SELECT count(*) FROM calendar_images WHERE item_id = ?1",
            [item],
            |r| r.get(0),
        )?;
        if count >= MAX_IMAGES as i64 {
            return Err(Error::invalid(format!(
                "an item carries at most {MAX_IMAGES} images; remove one first"
            )));
        }
        tx.execute(
            "INSERT INTO calendar_image_blobs (sha256, bytes) VALUES (?1, ?2)
             ON CONFLICT (sha256) DO NOTHING",
            params![hash, bytes],
        )?;
        let blob: i64 = tx.query_row(
            "SELECT id FROM calendar_image_blobs WHERE sha256 = ?1",
            [&hash],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO calendar_images (item_id, blob_id, position, file_name, mime, size,
                 width, height, alt, added_at)
             VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM calendar_images
                              WHERE item_id = ?1), ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                item,
                blob,
                file_name,
                mime,
                size,
                dims.width as i64,
                dims.height as i64,
                alt,
                now
            ],
        )?;
        images_changed(&tx, item, now)?;
        tx.commit()?;
        self.calendar_item(item)
    }

    /// Changes what an image's alt text says (it cannot be emptied).
    pub fn set_calendar_image_alt(
        &mut self,
        image: i64,
        alt: &str,
        now: Millis,
    ) -> Result<CalendarItem> {
        let tx = self.conn_mut().transaction()?;
        let item = item_of_image(&tx, image)?;
        check_changeable(&tx, item)?;
        let name: String = tx.query_row(
            "SELECT file_name FROM calendar_images WHERE id = ?1",
            [image],
            |r| r.get(0),
        )?;
        let alt = clean_alt(alt, &name)?;
        let changed = tx.execute(
            "UPDATE calendar_images SET alt = ?2 WHERE id = ?1 AND alt <> ?2",
            params![image, alt],
        )?;
        if changed > 0 {
            images_changed(&tx, item, now)?;
        }
        tx.commit()?;
        self.calendar_item(item)
    }

    /// Moves an image to `position` (1 is first) among its item's images.
    pub fn move_calendar_image(
        &mut self,
        image: i64,
        position: usize,
        now: Millis,
    ) -> Result<CalendarItem> {
        let tx = self.conn_mut().transaction()?;
        let item = item_of_image(&tx, image)?;
        check_changeable(&tx, item)?;
        let mut order: Vec<i64> = images_of(&tx, item)?.iter().map(|i| i.id).collect();
        let from = order.iter().position(|i| *i == image).unwrap_or(0);
        let to = position.clamp(1, order.len().max(1)) - 1;
        if from != to {
            let id = order.remove(from);
            order.insert(to, id);
            for (n, id) in order.iter().enumerate() {
                tx.execute(
                    "UPDATE calendar_images SET position = ?2 WHERE id = ?1",
                    params![id, n as i64 + 1],
                )?;
            }
            images_changed(&tx, item, now)?;
        }
        tx.commit()?;
        self.calendar_item(item)
    }

    /// Takes an image off its item.
    pub fn remove_calendar_image(&mut self, image: i64, now: Millis) -> Result<CalendarItem> {
        let tx = self.conn_mut().transaction()?;
        let item = item_of_image(&tx, image)?;
        check_changeable(&tx, item)?;
        tx.execute("DELETE FROM calendar_images WHERE id = ?1", [image])?;
        images_changed(&tx, item, now)?;
        tx.commit()?;
        self.calendar_item(item)
    }

    /// An image's bytes and MIME type, for a preview.
    pub fn calendar_image_bytes(&self, image: i64) -> Result<(String, Vec<u8>)> {
        self.conn()
            .query_row(
                "SELECT i.mime, b.bytes FROM calendar_images i
                 JOIN calendar_image_blobs b ON b.id = i.blob_id WHERE i.id = ?1",
                [image],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?
            .ok_or_else(|| Error::not_found("image", image))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_keep_their_last_part_without_control_characters() {
        assert_eq!(clean_name("/home/robin/Pictures/chart.png"), "chart.png");
        assert_eq!(clean_name("C:\\Users\\r\\a\u{7}b.png"), "ab.png");
        assert_eq!(clean_name("  "), "image");
    }

    #[test]
    fn only_formats_every_platform_takes_are_named() {
        // the first bytes of a PNG and of an SVG
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x08\x08\x06\0\0\0";
        assert_eq!(format_of(png), Some("image/png"));
        assert_eq!(
            format_of(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            None
        );
        assert_eq!(format_of(b""), None);
    }
}
