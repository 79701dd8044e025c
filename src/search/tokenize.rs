//! The two analysers of the index, registered under [`JIEBA`] and [`BIGRAM`].
//!
//! * [`JiebaTokenizer`] segments with the process's one jieba ([`segmenter`]) in
//!   search mode, so a clause about 国有企业领导人员 is found by 国有企业 and by
//!   领导人员 and 2-character words (招标, 回避) are terms of their own. It borrows the
//!   `&'static` segmenter, so the clones tantivy makes per segment writer, query and
//!   snippet generator cost nothing (the `tantivy-jieba` crate owns a `Jieba` by value
//!   and copies the dictionary each time).
//! * [`BigramTokenizer`] emits every pair of adjacent letters or digits. A phrase
//!   query over bigrams is a substring match, so a phrase cut mid-word (执行国有 of
//!   执行国有企业…) is found as FTS5's trigram would find it — and a 2-character query
//!   is a single bigram term, which trigram cannot answer at all.
//!
//! Both drop punctuation and whitespace (which also breaks a bigram run) and
//! lowercase Latin letters.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::segment::segmenter;

/// Tokenizer name of the jieba (search mode) fields.
pub const JIEBA: &str = "wenxun_jieba";
/// Tokenizer name of the character-bigram field.
pub const BIGRAM: &str = "wenxun_bigram";

/// Letters and digits of any script count as word characters.
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Jieba search-mode segmentation over the shared segmenter.
#[derive(Clone, Default)]
pub struct JiebaTokenizer;

/// Tokens are computed eagerly (jieba returns a `Vec` anyway) and replayed.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    index: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.index < self.tokens.len() {
            self.index += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.index - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.index - 1]
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = segmenter()
            .search_tokens(text)
            .into_iter()
            .filter(|t| t.word.chars().any(is_word_char))
            .enumerate()
            .map(|(position, t)| Token {
                offset_from: t.byte_start,
                offset_to: t.byte_end,
                position,
                text: t.word.to_lowercase(),
                position_length: 1,
            })
            .collect();
        VecTokenStream { tokens, index: 0 }
    }
}

/// Overlapping character bigrams within runs of word characters; a run of one
/// character yields that character.
#[derive(Clone, Default)]
pub struct BigramTokenizer;

impl Tokenizer for BigramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: bigrams(text),
            index: 0,
        }
    }
}

/// The bigram tokens of `text` (also used to build phrase queries).
pub fn bigrams(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut run: Vec<(usize, char)> = Vec::new();
    let mut position = 0;
    let flush = |run: &mut Vec<(usize, char)>, tokens: &mut Vec<Token>, position: &mut usize| {
        let push = |tokens: &mut Vec<Token>, from: usize, to: usize, s: String, pos: usize| {
            tokens.push(Token {
                offset_from: from,
                offset_to: to,
                position: pos,
                text: s,
                position_length: 1,
            })
        };
        match run.len() {
            0 => {}
            1 => {
                let (b, c) = run[0];
                push(
                    tokens,
                    b,
                    b + c.len_utf8(),
                    c.to_lowercase().collect(),
                    *position,
                );
                *position += 1;
            }
            _ => {
                for w in run.windows(2) {
                    let (b0, c0) = w[0];
                    let (b1, c1) = w[1];
                    let s: String = c0.to_lowercase().chain(c1.to_lowercase()).collect();
                    push(tokens, b0, b1 + c1.len_utf8(), s, *position);
                    *position += 1;
                }
            }
        }
        // A gap of one position: a phrase never matches across punctuation.
        *position += 1;
        run.clear();
    };
    for (b, c) in text.char_indices() {
        if is_word_char(c) {
            run.push((b, c));
        } else {
            flush(&mut run, &mut tokens, &mut position);
        }
    }
    flush(&mut run, &mut tokens, &mut position);
    tokens
}

/// Emits every occurrence of the given literal strings as a token whose text is
/// the literal. Not an index analyser: it lets tantivy's snippet generator
/// highlight exactly what the reviewer typed (协议出让, not every 出让 around it).
#[derive(Clone)]
pub struct LiteralFinder {
    literals: std::sync::Arc<Vec<String>>,
}

impl LiteralFinder {
    pub fn new(literals: Vec<String>) -> LiteralFinder {
        LiteralFinder {
            literals: std::sync::Arc::new(literals),
        }
    }
}

impl Tokenizer for LiteralFinder {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let mut found: Vec<(usize, usize, &str)> = self
            .literals
            .iter()
            .filter(|l| !l.is_empty())
            .flat_map(|l| {
                text.match_indices(l.as_str())
                    .map(|(at, m)| (at, at + m.len(), l.as_str()))
            })
            .collect();
        // Every other character is a token too (matching nothing), so the snippet
        // grows around the highlights as it does with the real analysers.
        found.extend(
            text.char_indices()
                .filter(|(_, c)| is_word_char(*c))
                .map(|(at, c)| (at, at + c.len_utf8(), "")),
        );
        let tokens = found
            .into_iter()
            .map(|(from, to, lit)| Token {
                offset_from: from,
                offset_to: to,
                position: 0,
                text: lit.to_string(),
                position_length: 1,
            })
            .collect();
        VecTokenStream {
            tokens: monotone(tokens),
            index: 0,
        }
    }
}

/// Orders tokens by start (longest first) and drops those that end before an
/// earlier one: what tantivy's snippet generator needs. It starts a fragment at a
/// token's start and ends it at the last token's end, so a token starting before
/// the fragment (search mode's 国有企业 after 企业) underflows and one ending
/// early (a character inside a literal at the end of the text) cuts the fragment
/// short of its highlight; both panic. What is dropped lies inside a kept token.
pub fn monotone(mut tokens: Vec<Token>) -> Vec<Token> {
    tokens.sort_by(|a, b| {
        a.offset_from
            .cmp(&b.offset_from)
            .then(b.offset_to.cmp(&a.offset_to))
    });
    let mut end = 0;
    tokens.retain(|t| {
        let keep = t.offset_to >= end;
        end = end.max(t.offset_to);
        keep
    });
    for (position, t) in tokens.iter_mut().enumerate() {
        t.position = position;
    }
    tokens
}

/// A tokenizer's tokens made safe for snippets (see [`monotone`]); never used
/// for indexing, where search mode's overlapping words are the point.
#[derive(Clone)]
pub struct ForSnippets<T>(pub T);

impl<T: Tokenizer> Tokenizer for ForSnippets<T> {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let mut inner = self.0.token_stream(text);
        let mut tokens = Vec::new();
        while inner.advance() {
            tokens.push(inner.token().clone());
        }
        VecTokenStream {
            tokens: monotone(tokens),
            index: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(mut s: VecTokenStream) -> Vec<String> {
        let mut out = Vec::new();
        while s.advance() {
            out.push(s.token().text.clone());
        }
        out
    }

    #[test]
    fn search_mode_yields_the_parts_of_long_words() {
        let words = texts(JiebaTokenizer.token_stream("国有企业领导人员，公开招标。"));
        for w in ["国有", "企业", "领导", "人员", "招标"] {
            assert!(words.iter().any(|x| x == w), "{w} missing from {words:?}");
        }
        assert!(!words.iter().any(|x| x == "，" || x == "。"), "{words:?}");
    }

    #[test]
    fn bigrams_overlap_and_stop_at_punctuation() {
        let toks = bigrams("协议出让，A地");
        let words: Vec<&str> = toks.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(words, ["协议", "议出", "出让", "a地"]);
        assert_eq!(toks[1].position, toks[0].position + 1);
        assert!(toks[3].position > toks[2].position + 1);
        assert_eq!(
            &"协议出让，A地"[toks[2].offset_from..toks[2].offset_to],
            "出让"
        );
    }

    #[test]
    fn literals_are_found_where_they_occur_in_order() {
        let mut finder = LiteralFinder::new(vec!["出让".into(), "协议出让".into()]);
        let toks: Vec<String> = texts(finder.token_stream("以协议出让方式出让"))
            .into_iter()
            .filter(|t| t.chars().count() > 1)
            .collect();
        assert_eq!(toks, ["协议出让", "出让", "出让"]);
    }

    #[test]
    fn a_literal_at_the_end_of_the_text_is_highlighted_without_panicking() {
        use tantivy::schema::Field;
        use tantivy::snippet::SnippetGenerator;
        use tantivy::tokenizer::TextAnalyzer;
        let literals = vec!["工商登记".to_string(), "工商".to_string()];
        let terms = literals.iter().map(|l| (l.clone(), 1.0)).collect();
        let g = SnippetGenerator::new(
            terms,
            TextAnalyzer::from(LiteralFinder::new(literals)),
            Field::from_field_id(0),
            160,
        );
        let text = "如蒙同意，集团将与恒丰置业签订合资协议，并于2026年一季度完成合资公司工商登记";
        let html = g.snippet(text).to_html();
        assert!(html.ends_with("<b>工商登记</b>"), "{html}");
    }

    #[test]
    fn search_mode_words_make_safe_snippets_when_a_fragment_starts_inside_a_word() {
        use tantivy::schema::Field;
        use tantivy::snippet::SnippetGenerator;
        use tantivy::tokenizer::TextAnalyzer;
        // 9 bytes: the fragment boundary falls between 国有 and 企业, and search
        // mode emits the whole word (starting at 0) after 企业 (starting at 6).
        let g = SnippetGenerator::new(
            [("国有企业领导人员".to_string(), 1.0)]
                .into_iter()
                .collect(),
            TextAnalyzer::from(ForSnippets(JiebaTokenizer)),
            Field::from_field_id(0),
            9,
        );
        let html = g.snippet("国有企业领导人员").to_html();
        assert_eq!(html, "<b>国有企业领导人员</b>");
    }
}
