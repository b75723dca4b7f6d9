//! Lists the stems of an index field by document frequency, most frequent first: how
//! `src/index/pair_words.txt` was made.
//!
//! `cargo run --release --example common-stems -- INDEX FIELD N`

use std::collections::HashMap;

use tantivy::Index;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, field, n] = args.as_slice() else {
        return Err("usage: common-stems INDEX FIELD N".into());
    };
    let index = Index::open_in_dir(dir)?;
    let field = index.schema().get_field(field)?;
    let searcher = index.reader()?.searcher();
    let mut df: HashMap<Vec<u8>, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        let inverted = segment.inverted_index(field)?;
        let mut terms = inverted.terms().stream()?;
        while terms.advance() {
            *df.entry(terms.key().to_vec()).or_default() += u64::from(terms.value().doc_freq);
        }
    }
    let mut sorted: Vec<_> = df.into_iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    for (term, freq) in sorted.iter().take(n.parse()?) {
        println!("{freq}\t{}", String::from_utf8_lossy(term));
    }
    Ok(())
}
