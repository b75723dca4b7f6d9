//! Every field of the index, its name and options, in one place, with the schema version.

use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, SchemaBuilder,
    TextFieldIndexing, TextOptions,
};
use tantivy::store::{Compressor, ZstdCompressor};
use tantivy::tokenizer::{
    LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
};
use tantivy::{Index, IndexSettings};

/// Bumped whenever fields, their options or the sectioning change.
pub const SCHEMA_VERSION: u32 = 9;

/// Tokenizer for full text: words, lower-cased, English stemming.
pub const TEXT_TOKENIZER: &str = "en_stem";
/// Tokenizer of the `pairs` field: neighbouring stems joined, `"third parti"`.
pub const PAIR_TOKENIZER: &str = "en_pairs";
/// Tokenizer for exact wording (`exact:`, `--exact`): the words of the full-text
/// tokenizer, cut at the same places, lower-cased, not stemmed. Nothing is indexed with
/// it; exact queries check stored text with it (see `search::exact`).
pub const EXACT_TOKENIZER: &str = "words_lower";
/// Tokenizer for exact values matched without regard to case (vendor, processor).
pub const KEYWORD_TOKENIZER: &str = "keyword_lower";

/// How a field is indexed and stored.
enum FieldKind {
    Text(TextOptions),
    U64(tantivy::schema::NumericOptions),
    F64(tantivy::schema::NumericOptions),
}

/// Declares every field once: its name (the identifier), its documentation and its
/// options. From the list come the [`Fields`] handles, the field names ([`name`]), the
/// schema ([`build_schema`]) and the lookup in an opened index ([`fields_of`]).
macro_rules! fields {
    ($($(#[doc = $doc:literal])* $field:ident: $kind:expr,)*) => {
        /// Handles to every field.
        #[derive(Clone, Debug)]
        pub struct Fields {
            $($(#[doc = $doc])* pub $field: Field,)*
        }

        /// Every field's name, for code that reads fast fields by name.
        #[allow(non_upper_case_globals)]
        pub mod name {
            $(pub const $field: &str = stringify!($field);)*
        }

        /// Builds the schema and its field handles.
        pub fn build_schema() -> (Schema, Fields) {
            let mut b = SchemaBuilder::new();
            let kinds = Kinds::new();
            let fields = Fields {
                $($field: match $kind(&kinds) {
                    FieldKind::Text(o) => b.add_text_field(stringify!($field), o),
                    FieldKind::U64(o) => b.add_u64_field(stringify!($field), o),
                    FieldKind::F64(o) => b.add_f64_field(stringify!($field), o),
                },)*
            };
            (b.build(), fields)
        }

        /// Looks up the fields of an opened index's schema by name.
        pub fn fields_of(schema: &Schema) -> Result<Fields, String> {
            let f = |name: &str| {
                schema
                    .get_field(name)
                    .map_err(|_| format!("field {name:?} missing"))
            };
            Ok(Fields {
                $($field: f(stringify!($field))?,)*
            })
        }
    };
}

/// The option sets the fields share.
struct Kinds {
    /// Full text: stemmed words with positions, stored.
    text: TextOptions,
    /// Exact values matched without regard to case, stored, and a fast column.
    keyword: TextOptions,
    /// Pairs of neighbouring stems: frequencies, no positions, no norms, not stored.
    pairs: TextOptions,
}

impl Kinds {
    fn new() -> Kinds {
        Kinds {
            text: TextOptions::default()
                .set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(TEXT_TOKENIZER)
                        .set_index_option(IndexRecordOption::WithFreqsAndPositions),
                )
                .set_stored(),
            keyword: TextOptions::default()
                .set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(KEYWORD_TOKENIZER)
                        .set_index_option(IndexRecordOption::Basic)
                        .set_fieldnorms(false),
                )
                .set_stored()
                .set_fast("raw"),
            pairs: TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(PAIR_TOKENIZER)
                    .set_index_option(IndexRecordOption::WithFreqs)
                    .set_fieldnorms(false),
            ),
        }
    }
}

fn text(k: &Kinds) -> FieldKind {
    FieldKind::Text(k.text.clone())
}
fn pairs(k: &Kinds) -> FieldKind {
    FieldKind::Text(k.pairs.clone())
}
fn keyword(k: &Kinds) -> FieldKind {
    FieldKind::Text(k.keyword.clone())
}
fn string_stored(_: &Kinds) -> FieldKind {
    FieldKind::Text(STRING | STORED)
}
fn string_stored_fast(_: &Kinds) -> FieldKind {
    FieldKind::Text(STRING | STORED | FAST)
}
fn stored_text(_: &Kinds) -> FieldKind {
    FieldKind::Text(TextOptions::from(STORED))
}
fn u64_stored(_: &Kinds) -> FieldKind {
    FieldKind::U64(STORED.into())
}
fn u64_stored_fast(_: &Kinds) -> FieldKind {
    FieldKind::U64((STORED | FAST).into())
}
fn u64_indexed_stored_fast(_: &Kinds) -> FieldKind {
    FieldKind::U64((INDEXED | STORED | FAST).into())
}
fn u64_indexed_fast(_: &Kinds) -> FieldKind {
    FieldKind::U64((INDEXED | FAST).into())
}
fn f64_stored_fast(_: &Kinds) -> FieldKind {
    FieldKind::F64((STORED | FAST).into())
}

fields! {
    /// Stable section id: `<policy_id>-<ordinal>`.
    id: string_stored,
    /// Stable id of the policy snapshot (hash of its path below the corpus root).
    policy_id: string_stored_fast,
    /// The policy id as a number, for counting distinct policies fast (and indexed, to
    /// select snapshots by number: `--as-of`).
    policy_num: u64_indexed_fast,
    vendor: keyword,
    /// `YYYY-MM-DD`, absent when the policy has no usable date.
    date: string_stored_fast,
    year: u64_indexed_stored_fast,
    title: text,
    /// The section's heading first, then the bare headings before it (lead headings).
    heading: text,
    /// The heading's pairs of neighbouring words, as `pairs` for the body: a two-word
    /// phrase searched unfielded reads both (see `search::pairs`).
    heading_pairs: pairs,
    heading_path: stored_text,
    level: u64_stored,
    ordinal: u64_stored_fast,
    part: u64_stored,
    body: text,
    /// The body's pairs of neighbouring words, each one term: a two-word phrase in the
    /// body is looked up as one term instead of by positions (see `search::pairs`).
    pairs: pairs,
    /// Processors named anywhere in the policy (canonical names).
    processor: keyword,
    /// Processors named in this section.
    section_processor: keyword,
    /// Trackers named anywhere in the policy (canonical names).
    tracker: keyword,
    /// Self-regulatory programs named anywhere in the policy.
    program: keyword,
    /// Laws named anywhere in the policy.
    law: keyword,
    /// The policy's words, sentences and sections (see `corpus::measures`).
    words: u64_stored_fast,
    sentences: u64_stored_fast,
    sections: u64_stored_fast,
    /// The policy's readability scores; absent when it has no words.
    flesch: f64_stored_fast,
    fk_grade: f64_stored_fast,
    smog: f64_stored_fast,
    /// Fingerprints of the policy's wording, for de-duplication.
    text_hash: u64_stored_fast,
    simhash: u64_stored_fast,
    url: stored_text,
    source_url: stored_text,
    /// Absolute path of the file: the key of the incremental state.
    path: string_stored_fast,
    /// xxh3 of the file's bytes: with `path`, the incremental state.
    file_hash: u64_stored_fast,
    /// For snapshots read from git: the commit that brought this version.
    revision: string_stored_fast,
    /// For snapshots read from git: the blob id of this version.
    blob: string_stored,
}

/// Settings of a new index. The document store (section text and metadata, read for
/// snippets and `show`) is most of the index: zstd at level 1 in 64 KiB blocks made it
/// 37% smaller than tantivy's default (lz4, 16 KiB) for the same build time on the
/// benchmark corpus, and 128 KiB blocks another 6% (the whole index 3%) for the same
/// build time; a query decompresses one block per hit shown (about 1 ms more for ten
/// hits on M).
pub fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::Zstd(ZstdCompressor {
            compression_level: Some(1),
        }),
        docstore_blocksize: 128 * 1024,
        ..IndexSettings::default()
    }
}

/// Registers the tokenizers the schema names. Must be called on every opened index.
/// `en_stem` is replaced by one fused pass giving the same tokens as tantivy's chain
/// (words, long tokens dropped, lower-cased, English stems), with a memo: less time.
pub fn register_tokenizers(index: &Index) {
    index.tokenizers().register(
        TEXT_TOKENIZER,
        TextAnalyzer::from(super::stem::EnglishTokenizer::default()),
    );
    index.tokenizers().register(
        PAIR_TOKENIZER,
        TextAnalyzer::from(super::stem::PairTokenizer::default()),
    );
    index.tokenizers().register(
        EXACT_TOKENIZER,
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .build(),
    );
    index.tokenizers().register(
        KEYWORD_TOKENIZER,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .build(),
    );
}

#[cfg(test)]
mod tests {
    /// The pairs tokenizer takes its words from the body's pass over the same text (see
    /// `stem::HandOff`), which tantivy runs right before it only while `pairs` is the
    /// field after `body` (fields are indexed in id order).
    #[test]
    fn pairs_is_the_field_after_body() {
        let (_, f) = super::build_schema();
        assert_eq!(f.pairs.field_id(), f.body.field_id() + 1);
        assert_eq!(f.heading_pairs.field_id(), f.heading.field_id() + 1);
    }
}
