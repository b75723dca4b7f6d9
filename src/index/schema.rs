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
pub const SCHEMA_VERSION: u32 = 5;

/// Tokenizer for full text: words, lower-cased, English stemming.
pub const TEXT_TOKENIZER: &str = "en_stem";
/// Tokenizer for exact wording (`exact:`, `--exact`): the words of the full-text
/// tokenizer, cut at the same places, lower-cased, not stemmed. Nothing is indexed with
/// it; exact queries check stored text with it (see `search::exact`).
pub const EXACT_TOKENIZER: &str = "words_lower";
/// Tokenizer for exact values matched without regard to case (vendor, processor).
pub const KEYWORD_TOKENIZER: &str = "keyword_lower";

/// Handles to every field.
#[derive(Clone, Debug)]
pub struct Fields {
    /// Stable section id: `<policy_id>-<ordinal>`.
    pub id: Field,
    /// Stable id of the policy snapshot (hash of its path below the corpus root).
    pub policy_id: Field,
    /// The policy id as a number, for counting distinct policies fast.
    pub policy_num: Field,
    pub vendor: Field,
    /// `YYYY-MM-DD`, absent when the policy has no usable date.
    pub date: Field,
    pub year: Field,
    pub title: Field,
    pub heading: Field,
    pub heading_path: Field,
    pub level: Field,
    pub ordinal: Field,
    pub part: Field,
    pub body: Field,
    /// Processors named anywhere in the policy (canonical names).
    pub processor: Field,
    /// Processors named in this section.
    pub section_processor: Field,
    pub url: Field,
    pub source_url: Field,
    /// Absolute path of the file: the key of the incremental state.
    pub path: Field,
    /// xxh3 of the file's bytes: with `path`, the incremental state.
    pub file_hash: Field,
    /// For snapshots read from git: the commit that brought this version.
    pub revision: Field,
    /// For snapshots read from git: the blob id of this version.
    pub blob: Field,
}

/// Builds the schema and its field handles.
pub fn build_schema() -> (Schema, Fields) {
    let mut b = SchemaBuilder::new();
    let text = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TEXT_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let keyword = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(KEYWORD_TOKENIZER)
                .set_index_option(IndexRecordOption::Basic)
                .set_fieldnorms(false),
        )
        .set_stored()
        .set_fast("raw");
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        policy_id: b.add_text_field("policy_id", STRING | STORED | FAST),
        policy_num: b.add_u64_field("policy_num", FAST),
        vendor: b.add_text_field("vendor", keyword.clone()),
        date: b.add_text_field("date", STRING | STORED | FAST),
        year: b.add_u64_field("year", INDEXED | STORED | FAST),
        title: b.add_text_field("title", text.clone()),
        heading: b.add_text_field("heading", text.clone()),
        heading_path: b.add_text_field("heading_path", STORED),
        level: b.add_u64_field("level", STORED),
        ordinal: b.add_u64_field("ordinal", STORED | FAST),
        part: b.add_u64_field("part", STORED),
        body: b.add_text_field("body", text),
        processor: b.add_text_field("processor", keyword.clone()),
        section_processor: b.add_text_field("section_processor", keyword),
        url: b.add_text_field("url", STORED),
        source_url: b.add_text_field("source_url", STORED),
        path: b.add_text_field("path", STRING | STORED | FAST),
        file_hash: b.add_u64_field("file_hash", STORED | FAST),
        revision: b.add_text_field("revision", STRING | STORED | FAST),
        blob: b.add_text_field("blob", STRING | STORED),
    };
    (b.build(), fields)
}

/// Settings of a new index. The document store (section text and metadata, read for
/// snippets and `show`) is most of the index: zstd at level 1 in 64 KiB blocks makes it
/// 37% smaller than tantivy's default (lz4, 16 KiB) for the same build time on the
/// benchmark corpus; a query decompresses one block per hit shown.
pub fn index_settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::Zstd(ZstdCompressor {
            compression_level: Some(1),
        }),
        docstore_blocksize: 64 * 1024,
        ..IndexSettings::default()
    }
}

/// Looks up the fields of an opened index's schema by name.
pub fn fields_of(schema: &Schema) -> Result<Fields, String> {
    let f = |name: &str| {
        schema
            .get_field(name)
            .map_err(|_| format!("field {name:?} missing"))
    };
    Ok(Fields {
        id: f("id")?,
        policy_id: f("policy_id")?,
        policy_num: f("policy_num")?,
        vendor: f("vendor")?,
        date: f("date")?,
        year: f("year")?,
        title: f("title")?,
        heading: f("heading")?,
        heading_path: f("heading_path")?,
        level: f("level")?,
        ordinal: f("ordinal")?,
        part: f("part")?,
        body: f("body")?,
        processor: f("processor")?,
        section_processor: f("section_processor")?,
        url: f("url")?,
        source_url: f("source_url")?,
        path: f("path")?,
        file_hash: f("file_hash")?,
        revision: f("revision")?,
        blob: f("blob")?,
    })
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
