//! Word segmentation: the one `Jieba` of the process, with the domain dictionary.
//!
//! Loading jieba costs 80–175 ms (release), so it happens once per process
//! ([`segmenter`]), never per document or request. The domain user dictionary is
//! `rules/dict.txt` (terms such as 三重一大, 单一来源, 化整为零) so that they come out
//! as single tokens; it ships inside the binary and a rules directory given with
//! `--rules` may replace it before first use ([`init_with_dict`]).

use std::sync::OnceLock;

use jieba_rs::Jieba;
use serde::Serialize;

/// The dictionary that ships with the default rule set.
pub const DEFAULT_DICT: &str = include_str!("../rules/dict.txt");

static SEGMENTER: OnceLock<Segmenter> = OnceLock::new();

/// A token with its character and byte span in the segmented text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Token {
    pub word: String,
    pub start: usize,
    pub end: usize,
    #[serde(skip)]
    pub byte_start: usize,
    #[serde(skip)]
    pub byte_end: usize,
}

pub struct Segmenter {
    jieba: Jieba,
    user_words: usize,
}

impl Segmenter {
    fn new(dict: &str) -> Segmenter {
        let mut jieba = Jieba::new();
        let mut user_words = 0;
        for line in dict.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(word) = parts.next() else { continue };
            let freq = parts.next().and_then(|f| f.parse::<usize>().ok());
            let tag = parts.next();
            jieba.add_word(word, freq, tag);
            user_words += 1;
        }
        Segmenter { jieba, user_words }
    }

    /// Number of entries loaded from the user dictionary.
    pub fn user_words(&self) -> usize {
        self.user_words
    }

    /// Segments `text` (default mode, HMM on for names and new words).
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .filter(|t| !t.word.trim().is_empty())
            .map(|t| Token {
                word: t.word.to_string(),
                start: t.start,
                end: t.end,
                byte_start: t.byte_start,
                byte_end: t.byte_end,
            })
            .collect()
    }

    /// Byte offsets where tokens end, in order; what the rule engine needs to tell
    /// whether a literal match sits on word boundaries, without allocating tokens.
    pub fn boundaries(&self, text: &str) -> Vec<usize> {
        let mut out = Vec::with_capacity(text.len() / 4 + 1);
        out.push(0);
        for t in self.jieba.cut(text, true) {
            out.push(t.byte_end);
        }
        out
    }

    /// Search-mode tokens (long words and their overlapping sub-words, e.g. 国有企业
    /// → 国有, 企业, 国有企业), with byte spans: what the search index stores.
    pub fn search_tokens<'a>(&self, text: &'a str) -> Vec<jieba_rs::Token<'a>> {
        self.jieba.cut_for_search(text, true)
    }

    /// Default-mode tokens with byte spans, borrowing the text (query parsing).
    pub fn word_tokens<'a>(&self, text: &'a str) -> Vec<jieba_rs::Token<'a>> {
        self.jieba.cut(text, true)
    }

    /// Search-mode words (overlapping sub-words of long words), for indexing.
    pub fn search_words<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut_for_search(text, true)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }
}

/// The process-wide segmenter, built with the shipped dictionary on first use.
pub fn segmenter() -> &'static Segmenter {
    SEGMENTER.get_or_init(|| Segmenter::new(DEFAULT_DICT))
}

/// Builds the process-wide segmenter with another dictionary. Only the first call
/// (or first [`segmenter`] use) wins; returns false when it was already built.
pub fn init_with_dict(dict: &str) -> bool {
    SEGMENTER.set(Segmenter::new(dict)).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_terms_stay_whole_words() {
        let words: Vec<String> = segmenter()
            .tokens("严禁化整为零规避招标，不得采用单一来源方式")
            .into_iter()
            .map(|t| t.word)
            .collect();
        assert!(words.contains(&"化整为零".to_string()), "{words:?}");
        assert!(words.contains(&"单一来源".to_string()), "{words:?}");
    }

    #[test]
    fn token_spans_are_character_offsets() {
        let text = "第一条　县城投公司";
        for t in segmenter().tokens(text) {
            let by_chars: String = text.chars().skip(t.start).take(t.end - t.start).collect();
            assert_eq!(by_chars, t.word);
            assert_eq!(&text[t.byte_start..t.byte_end], t.word);
        }
    }
}
