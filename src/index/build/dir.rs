//! The index directory's lifecycle for a build: open an index for writing, or create
//! one, and on `rebuild` start over without ever deleting what is not the index's own.

use tantivy::Index;

use super::IndexConfig;
use crate::error::IndexError;
use crate::index::schema::{Fields, build_schema, index_settings, register_tokenizers};
use crate::index::{IndexInfo, PolicyIndex};

/// Opens the index for writing, or creates it. `--rebuild` on an existing directory
/// only proceeds when that directory is an index (or empty), never on other data.
pub(super) fn open_or_create(
    cfg: &IndexConfig,
) -> Result<(Index, Fields, Option<IndexInfo>), IndexError> {
    let dir = &cfg.index_dir;
    let io = |context: String| move |source: std::io::Error| IndexError::Io { context, source };
    if dir.exists() && !dir.is_dir() {
        return Err(IndexError::NotADirectory { path: dir.clone() });
    }
    let has_meta = dir.join("meta.json").is_file();
    if has_meta && !cfg.rebuild {
        match PolicyIndex::open(dir) {
            Ok(opened) => return Ok((opened.index, opened.fields, Some(opened.info))),
            // A build stopped before its first commit left an empty index: carry on with
            // it (the writer's lock then guards against a build still running in it), or,
            // made by another schema, start it again.
            Err(IndexError::NotYetCommitted { .. }) => {
                return match reuse_uncommitted(dir) {
                    Some((index, fields)) => Ok((index, fields, None)),
                    None => Err(IndexError::Damaged {
                        path: dir.clone(),
                        reason: "an empty index of another schema, never committed".to_string(),
                    }),
                };
            }
            Err(e) => return Err(e),
        }
    }
    if dir.exists() && !crate::index::is_empty_dir(dir) && !crate::index::looks_like_index(dir) {
        return Err(IndexError::NotAnIndex { path: dir.clone() });
    }
    if !has_meta && crate::index::looks_like_index(dir) && !cfg.rebuild {
        return Err(IndexError::Damaged {
            path: dir.clone(),
            reason: "meta.json is missing".to_string(),
        });
    }
    if crate::index::looks_like_index(dir) {
        // --rebuild on an index: reuse the directory if the schema and the settings (the
        // document store's compression and blocks) are this program's, so the writer's
        // lock protects a concurrent run; otherwise start from scratch.
        match PolicyIndex::open(dir) {
            Ok(opened) if *opened.index.settings() == index_settings() => {
                return Ok((opened.index, opened.fields, None));
            }
            Err(IndexError::NotYetCommitted { .. }) => {
                if let Some((index, fields)) = reuse_uncommitted(dir)
                    && *index.settings() == index_settings()
                {
                    return Ok((index, fields, None));
                }
            }
            _ => {}
        }
        // Delete only the index's own files, and only if nothing else is there.
        let files = crate::index::index_files(dir)
            .ok_or_else(|| IndexError::NotAnIndex { path: dir.clone() })?;
        for p in files {
            std::fs::remove_file(&p).map_err(io(format!("cannot remove {}", p.display())))?;
        }
    }
    std::fs::create_dir_all(dir).map_err(io(format!("cannot create {}", dir.display())))?;
    let (schema, fields) = build_schema();
    let index = Index::builder()
        .schema(schema)
        .settings(index_settings())
        .create_in_dir(dir)?;
    register_tokenizers(&index);
    Ok((index, fields, None))
}

/// The empty index a build left before its first commit, when its schema is this
/// program's.
fn reuse_uncommitted(dir: &std::path::Path) -> Option<(Index, Fields)> {
    let index = Index::open_in_dir(dir).ok()?;
    let (schema, fields) = build_schema();
    let same = serde_json::to_value(index.schema()).ok()? == serde_json::to_value(&schema).ok()?;
    if !same {
        return None;
    }
    register_tokenizers(&index);
    Some((index, fields))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use tantivy::IndexSettings;
    use tantivy::store::Compressor;

    use super::*;

    /// An index made with other store settings (an older version's lz4 in 16 KiB
    /// blocks) is made again by `--rebuild`, with this version's settings; the same
    /// settings keep the directory as it is.
    #[test]
    fn rebuild_applies_this_versions_settings() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("index");
        std::fs::create_dir(&dir).unwrap();
        let old = IndexSettings {
            docstore_compression: Compressor::Lz4,
            docstore_blocksize: 16_384,
            ..IndexSettings::default()
        };
        let (schema, _) = build_schema();
        let made = Index::builder()
            .schema(schema)
            .settings(old.clone())
            .create_in_dir(&dir)
            .unwrap();
        let mut writer: tantivy::IndexWriter = made.writer_with_num_threads(1, 15_000_000).unwrap();
        // Committed with its metadata, as a finished build leaves it.
        let mut prepared = writer.prepare_commit().unwrap();
        prepared.set_payload(
            &super::super::batch::payload(&super::super::batch::empty_info()).unwrap(),
        );
        prepared.commit().unwrap();
        drop(writer);
        drop(made);

        let mut cfg = IndexConfig::new(vec![PathBuf::from("corpus")], dir.clone());
        cfg.rebuild = false;
        let (kept, _, _) = open_or_create(&cfg).unwrap();
        assert_eq!(*kept.settings(), old, "an update keeps the index as it is");
        drop(kept);

        cfg.rebuild = true;
        let (rebuilt, _, _) = open_or_create(&cfg).unwrap();
        assert_eq!(rebuilt.settings().docstore_blocksize, 128 * 1024);
        assert_eq!(*rebuilt.settings(), index_settings());
        assert_eq!(
            *Index::open_in_dir(&dir).unwrap().settings(),
            index_settings(),
            "written to the directory"
        );
    }
}
