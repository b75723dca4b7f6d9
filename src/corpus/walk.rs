//! Finding policy files under the corpus roots and reading them, with every file that
//! cannot be used turned into a [`SkipReason`] instead of an error.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::CorpusError;

/// File name endings that hold policies.
pub const EXTENSIONS: &[&str] = &["md", "txt", "markdown"];

/// One policy file found under a corpus root.
#[derive(Debug, Clone)]
pub struct FileEntry {
    /// The path as walked (root as given, joined with the relative path).
    pub path: PathBuf,
    /// The absolute path: the key of the incremental state.
    pub key: String,
    /// The root's own name joined with the path below it: what section ids derive from,
    /// so they do not depend on where the corpus sits on disk.
    pub id_path: String,
}

/// Why a file was passed over.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum SkipReason {
    TooLarge { bytes: u64, limit: u64 },
    Binary { offset: usize },
    Empty,
    Unreadable(String),
    Symlink,
    WalkError(String),
}

impl SkipReason {
    /// A short stable name, for summaries.
    pub fn kind(&self) -> &'static str {
        match self {
            SkipReason::TooLarge { .. } => "too large",
            SkipReason::Binary { .. } => "binary (NUL bytes)",
            SkipReason::Empty => "empty",
            SkipReason::Unreadable(_) => "unreadable",
            SkipReason::Symlink => "symlink not followed",
            SkipReason::WalkError(_) => "walk error",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::TooLarge { bytes, limit } => {
                write!(f, "too large ({bytes} bytes, limit {limit})")
            }
            SkipReason::Binary { offset } => write!(f, "binary file (NUL byte at offset {offset})"),
            SkipReason::Empty => write!(f, "empty or white space only"),
            SkipReason::Unreadable(e) => write!(f, "unreadable: {e}"),
            SkipReason::Symlink => write!(f, "symbolic link, not followed"),
            SkipReason::WalkError(e) => write!(f, "cannot walk: {e}"),
        }
    }
}

/// Files passed over during a walk, with the reason.
pub type Skips = Vec<(PathBuf, SkipReason)>;

/// Walks the roots (directories recursively, or single files), without following
/// symbolic links. Files are returned sorted by path; what cannot be walked is returned
/// as skips. A root that does not exist is an error.
pub fn walk_roots(roots: &[PathBuf]) -> Result<(Vec<FileEntry>, Skips), CorpusError> {
    let mut files = Vec::new();
    let mut skips = Vec::new();
    let mut seen_names = std::collections::BTreeSet::new();
    for root in roots {
        let meta = std::fs::metadata(root).map_err(|source| CorpusError::Root {
            path: root.clone(),
            source,
        })?;
        // Canonical (symlinks and `..` resolved): the same file has one key however the
        // root is written.
        let abs_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.clone());
        let root_name = abs_root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let id_base = if meta.is_file() {
            String::new()
        } else {
            root_name.clone()
        };
        // Ids derive from the root's name (a directory) or the file's name (a file given
        // as a root): two roots with one name would give two policies one id.
        if !root_name.is_empty() && !seen_names.insert(root_name.clone()) {
            return Err(CorpusError::DuplicateRootName {
                name: root_name,
                path: root.clone(),
            });
        }
        for entry in WalkDir::new(root).follow_links(false).sort_by_file_name() {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let path = err
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| root.clone());
                    skips.push((path, SkipReason::WalkError(err.to_string())));
                    continue;
                }
            };
            let ft = entry.file_type();
            if ft.is_dir() {
                continue;
            }
            // Links are never followed (no loops, nothing outside the corpus), and said so.
            if ft.is_symlink() {
                skips.push((entry.path().to_path_buf(), SkipReason::Symlink));
                continue;
            }
            if !has_policy_extension(entry.path()) {
                continue;
            }
            if !ft.is_file() {
                continue;
            }
            let rel = entry
                .path()
                .strip_prefix(root)
                .unwrap_or(entry.path())
                .to_string_lossy()
                .replace('\\', "/");
            let id_path = match (id_base.is_empty(), rel.is_empty()) {
                (_, true) => entry.file_name().to_string_lossy().into_owned(),
                (true, false) => rel,
                (false, false) => format!("{id_base}/{rel}"),
            };
            let key = abs_root
                .join(entry.path().strip_prefix(root).unwrap_or(Path::new("")))
                .to_string_lossy()
                .into_owned();
            files.push(FileEntry {
                path: entry.path().to_path_buf(),
                key,
                id_path,
            });
        }
    }
    files.sort_by(|a, b| a.key.cmp(&b.key));
    files.dedup_by(|a, b| a.key == b.key);
    Ok((files, skips))
}

fn has_policy_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// How a policy's bytes were turned into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// Valid UTF-8 (a UTF-8 byte-order mark, if any, dropped).
    Utf8,
    /// Not valid UTF-8 and no byte-order mark: read as Windows-1252, as browsers read
    /// such pages (most real crawls of the 2000s are in it).
    Windows1252,
    /// A UTF-16 byte-order mark.
    Utf16,
    /// A UTF-8 or UTF-16 byte-order mark on bytes that are not valid in that encoding:
    /// the invalid sequences became U+FFFD.
    Replaced,
}

/// A file's text, ready to parse.
#[derive(Debug)]
pub struct LoadedFile {
    pub text: String,
    pub bytes: u64,
    /// 64-bit content hash (xxh3) of the raw bytes.
    pub hash: u64,
    pub encoding: TextEncoding,
}

/// Reads one file, refusing files over `max_bytes`, binaries and empty files.
pub fn load_file(path: &Path, max_bytes: u64) -> Result<LoadedFile, SkipReason> {
    let file = std::fs::File::open(path).map_err(|e| SkipReason::Unreadable(e.to_string()))?;
    let len = file
        .metadata()
        .map_err(|e| SkipReason::Unreadable(e.to_string()))?
        .len();
    if len > max_bytes {
        return Err(SkipReason::TooLarge {
            bytes: len,
            limit: max_bytes,
        });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    // Read one byte past the limit, in case the file grew since its metadata was read.
    file.take(max_bytes + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| SkipReason::Unreadable(e.to_string()))?;
    if bytes.len() as u64 > max_bytes {
        return Err(SkipReason::TooLarge {
            bytes: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    from_bytes(bytes, max_bytes)
}

/// Checks a policy's bytes (from a file or a git blob) and decodes them: by the
/// byte-order mark when there is one, else as UTF-8 when valid, else as Windows-1252
/// (the WHATWG mapping browsers use, which maps every byte).
pub fn from_bytes(bytes: Vec<u8>, max_bytes: u64) -> Result<LoadedFile, SkipReason> {
    if bytes.len() as u64 > max_bytes {
        return Err(SkipReason::TooLarge {
            bytes: bytes.len() as u64,
            limit: max_bytes,
        });
    }
    let hash = xxhash_rust::xxh3::xxh3_64(&bytes);
    let n = bytes.len() as u64;
    let bom = encoding_rs::Encoding::for_bom(&bytes);
    // UTF-16 text is full of NUL bytes; only without a UTF-16 mark do they mean binary.
    if !bom.is_some_and(|(enc, _)| enc != encoding_rs::UTF_8)
        && let Some(offset) = memchr_nul(&bytes)
    {
        return Err(SkipReason::Binary { offset });
    }
    let (text, encoding) = match bom {
        Some((enc, bom_len)) => {
            let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
            let encoding = match (had_errors, enc == encoding_rs::UTF_8) {
                (true, _) => TextEncoding::Replaced,
                (false, true) => TextEncoding::Utf8,
                (false, false) => TextEncoding::Utf16,
            };
            (text.into_owned(), encoding)
        }
        None => match String::from_utf8(bytes) {
            Ok(s) => (s, TextEncoding::Utf8),
            Err(e) => {
                let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(e.as_bytes());
                (text.into_owned(), TextEncoding::Windows1252)
            }
        },
    };
    if text.trim().is_empty() {
        return Err(SkipReason::Empty);
    }
    Ok(LoadedFile {
        text,
        bytes: n,
        hash,
        encoding,
    })
}

fn memchr_nul(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_rejects_binary_empty_and_large() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        std::fs::write(&p, b"abc\0def").unwrap();
        assert_eq!(
            load_file(&p, 100).unwrap_err(),
            SkipReason::Binary { offset: 3 }
        );
        std::fs::write(&p, b" \n\t ").unwrap();
        assert_eq!(load_file(&p, 100).unwrap_err(), SkipReason::Empty);
        std::fs::write(&p, b"0123456789").unwrap();
        assert!(matches!(
            load_file(&p, 5).unwrap_err(),
            SkipReason::TooLarge {
                bytes: 10,
                limit: 5
            }
        ));
    }

    #[test]
    fn decoding_by_mark_then_utf8_then_windows_1252() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.md");
        // Windows-1252: é, the curly apostrophe (0x92), the euro sign (0x80); 0x81 is
        // unassigned there and maps to U+0081 as browsers do.
        std::fs::write(&p, b"caf\xe9 don\x92t \x80 \x81").unwrap();
        let f = load_file(&p, 100).unwrap();
        assert_eq!(f.encoding, TextEncoding::Windows1252);
        assert_eq!(f.text, "caf\u{e9} don\u{2019}t \u{20ac} \u{81}");
        std::fs::write(&p, "caf\u{e9} ok".as_bytes()).unwrap();
        let f = load_file(&p, 100).unwrap();
        assert_eq!(
            (f.encoding, f.text.as_str()),
            (TextEncoding::Utf8, "caf\u{e9} ok")
        );
        std::fs::write(&p, b"\xef\xbb\xbfcaf\xc3\xa9").unwrap();
        let f = load_file(&p, 100).unwrap();
        assert_eq!(
            (f.encoding, f.text.as_str()),
            (TextEncoding::Utf8, "caf\u{e9}")
        );
        let utf16: Vec<u8> = [0xff, 0xfe]
            .into_iter()
            .chain("h\u{e9}!".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        std::fs::write(&p, utf16).unwrap();
        let f = load_file(&p, 100).unwrap();
        assert_eq!(
            (f.encoding, f.text.as_str()),
            (TextEncoding::Utf16, "h\u{e9}!")
        );
        std::fs::write(&p, b"\xef\xbb\xbfbad \xff").unwrap();
        assert_eq!(load_file(&p, 100).unwrap().encoding, TextEncoding::Replaced);
    }

    #[test]
    fn walk_filters_extensions_and_skips_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("corp");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.md"), "x").unwrap();
        std::fs::write(root.join("sub/b.TXT"), "x").unwrap();
        std::fs::write(root.join("c.pdf"), "x").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(root.join("a.md"), root.join("link.md")).unwrap();
        let (files, skips) = walk_roots(std::slice::from_ref(&root)).unwrap();
        let ids: Vec<_> = files.iter().map(|f| f.id_path.as_str()).collect();
        assert_eq!(ids, ["corp/a.md", "corp/sub/b.TXT"]);
        #[cfg(unix)]
        assert_eq!(skips[0].1, SkipReason::Symlink);
        assert!(walk_roots(&[dir.path().join("missing")]).is_err());
    }
}
