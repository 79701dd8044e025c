//! One module per page group; each exposes `routes()` for [`super::router`].

pub mod admin;
pub mod api;
pub mod assets;
pub mod inquiries;
pub mod items;
pub mod meetings;
pub mod reports;
pub mod revisions;
pub mod search;
pub mod session;

use std::collections::HashMap;

use axum::extract::Multipart;
use axum::extract::multipart::MultipartError;
use axum::http::StatusCode;

use crate::app::Upload;
use crate::web::error::WebError;

/// A multipart read error: 413 when the body limit was hit, else 400.
pub fn multipart_error(e: MultipartError) -> WebError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        WebError::TooLarge("上传内容超过大小上限，请分批上传".into())
    } else {
        WebError::BadRequest(format!("上传内容无法解析：{}", e.body_text()))
    }
}

/// Reads the rest of a multipart form: text fields by name, and every part that
/// carries a file name as an upload (empty file inputs are skipped).
pub async fn read_multipart(
    mp: &mut Multipart,
) -> Result<(HashMap<String, String>, Vec<Upload>), WebError> {
    let mut fields = HashMap::new();
    let mut files = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(multipart_error)? {
        let name = field.name().unwrap_or("").to_string();
        match field.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = field.bytes().await.map_err(multipart_error)?;
                if file_name.is_empty() && bytes.is_empty() {
                    continue;
                }
                // Browsers send only the base name; some tools send a path.
                let base = file_name
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or(&file_name)
                    .to_string();
                files.push(Upload {
                    name: base,
                    bytes: bytes.to_vec(),
                });
            }
            None => {
                let text = field.text().await.map_err(multipart_error)?;
                fields.insert(name, text);
            }
        }
    }
    Ok((fields, files))
}
