//! Anchored verification of rule regexes at candidate starts.
//!
//! The scan already knows where each regex could start (a literal of its first
//! group) and rules out most places by its other literal groups; what is left is
//! to check a few dozen characters from each candidate. The regex crate's engines
//! are slow at exactly this: the lazy DFA builds states for `[^。；]{0,16}` (a
//! Unicode class under a bounded repeat) on the fly, and the bounded backtracker
//! clears a visited set sized by its byte-level NFA on every call; measured, an
//! anchored check that failed after a handful of characters cost 5–10 µs. Rule
//! regexes are small — literal alternatives, character classes, bounded gaps — so
//! a backtracking interpreter over characters checks a candidate in well under a
//! microsecond. Backtracking order (greedy repeats, alternatives in order) gives
//! the regex crate's leftmost-first match. Patterns it cannot express (byte
//! classes, word boundaries, empty loops) and runs that exceed a step budget are
//! handed to the regex crate, so the result is the same either way.

use regex_automata::{Anchored, Input, meta};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// Bounded class repeats up to this length run as one instruction (the positions
/// of a run are kept on the stack).
const MAX_RUN: u32 = 64;

/// Steps (choice points) one candidate may take before the regex crate takes over.
const STEP_BUDGET: u32 = 4096;

#[derive(Debug, Clone)]
enum Inst {
    Lit(Box<str>),
    /// Alternative literals, tried in order (`(统筹解决|统筹安排)`): one step for
    /// the whole list instead of a chain of splits.
    Lits(Box<[Box<str>]>),
    /// A class repeated `min..=max` times (`[^。；]{0,16}`), greedy or lazy: the run
    /// of matching characters is measured once, then its lengths are tried.
    ClassRep {
        ranges: Box<[(char, char)]>,
        min: u32,
        max: u32,
        greedy: bool,
    },
    Class(Box<[(char, char)]>),
    Look(Look),
    /// Try the first target, then the second.
    Split(usize, usize),
    Jmp(usize),
    Match,
}

/// A rule regex ready for anchored checks.
pub(crate) struct Verifier {
    prog: Option<Vec<Inst>>,
    pub(crate) re: meta::Regex,
}

impl Verifier {
    pub(crate) fn new(hir: &Hir, re: meta::Regex) -> Verifier {
        let mut prog = Vec::new();
        let prog = compile(hir, &mut prog).map(|()| {
            prog.push(Inst::Match);
            prog
        });
        Verifier { prog, re }
    }

    /// The end of the leftmost-first match starting exactly at `start` and ending
    /// no later than `end`, if there is one. Look-arounds see the whole `text`.
    pub(crate) fn match_at(&self, text: &str, start: usize, end: usize) -> Option<usize> {
        if let Some(prog) = &self.prog {
            let mut steps = 0;
            let vm = Vm {
                prog,
                text,
                end,
                steps: &mut steps,
            };
            if let Ok(found) = vm.run(0, start) {
                return found;
            }
        }
        let input = Input::new(text).range(start..end).anchored(Anchored::Yes);
        self.re.search(&input).map(|m| m.end())
    }
}

/// Appends the program for `h`; `None` when `h` uses something the interpreter
/// leaves to the regex crate.
fn compile(h: &Hir, prog: &mut Vec<Inst>) -> Option<()> {
    match h.kind() {
        HirKind::Empty => {}
        HirKind::Literal(l) => prog.push(Inst::Lit(std::str::from_utf8(&l.0).ok()?.into())),
        HirKind::Class(Class::Unicode(c)) => prog.push(Inst::Class(
            c.ranges().iter().map(|r| (r.start(), r.end())).collect(),
        )),
        HirKind::Class(Class::Bytes(_)) => return None,
        HirKind::Look(l) => match l {
            Look::Start | Look::End | Look::StartLF | Look::EndLF => prog.push(Inst::Look(*l)),
            _ => return None,
        },
        HirKind::Capture(c) => compile(&c.sub, prog)?,
        HirKind::Concat(items) => {
            for x in items {
                compile(x, prog)?;
            }
        }
        HirKind::Alternation(branches)
            if branches
                .iter()
                .all(|b| matches!(b.kind(), HirKind::Literal(_))) =>
        {
            let mut lits = Vec::with_capacity(branches.len());
            for b in branches {
                if let HirKind::Literal(l) = b.kind() {
                    lits.push(std::str::from_utf8(&l.0).ok()?.into());
                }
            }
            prog.push(Inst::Lits(lits.into()));
        }
        HirKind::Alternation(branches) => {
            // split(b1, next) b1 jmp(end) split(b2, next) b2 jmp(end) ... bn
            let mut jumps = Vec::new();
            for (i, b) in branches.iter().enumerate() {
                if i + 1 < branches.len() {
                    let split = prog.len();
                    prog.push(Inst::Split(split + 1, 0));
                    compile(b, prog)?;
                    jumps.push(prog.len());
                    prog.push(Inst::Jmp(0));
                    let next = prog.len();
                    prog[split] = Inst::Split(split + 1, next);
                } else {
                    compile(b, prog)?;
                }
            }
            let end = prog.len();
            for j in jumps {
                prog[j] = Inst::Jmp(end);
            }
        }
        HirKind::Repetition(r)
            if matches!(r.sub.kind(), HirKind::Class(Class::Unicode(_)))
                && r.max.is_none_or(|m| m <= MAX_RUN) =>
        {
            if let HirKind::Class(Class::Unicode(c)) = r.sub.kind() {
                prog.push(Inst::ClassRep {
                    ranges: c.ranges().iter().map(|r| (r.start(), r.end())).collect(),
                    min: r.min,
                    max: r.max.unwrap_or(u32::MAX),
                    greedy: r.greedy,
                });
            }
        }
        HirKind::Repetition(r) => {
            for _ in 0..r.min {
                compile(&r.sub, prog)?;
            }
            let choice = |prog: &mut Vec<Inst>, at: usize, body: usize, exit: usize| {
                prog[at] = if r.greedy {
                    Inst::Split(body, exit)
                } else {
                    Inst::Split(exit, body)
                };
            };
            match r.max {
                Some(max) => {
                    // Each optional copy: split(body, end) body; all exits go to the end.
                    let mut splits = Vec::new();
                    for _ in r.min..max {
                        splits.push(prog.len());
                        prog.push(Inst::Jmp(0));
                        compile(&r.sub, prog)?;
                    }
                    let end = prog.len();
                    for s in splits {
                        choice(prog, s, s + 1, end);
                    }
                }
                None => {
                    // An unbounded loop over something that can match nothing
                    // would spin; leave it to the regex crate.
                    if r.sub.properties().minimum_len().is_none_or(|n| n == 0) {
                        return None;
                    }
                    let top = prog.len();
                    prog.push(Inst::Jmp(0));
                    compile(&r.sub, prog)?;
                    prog.push(Inst::Jmp(top));
                    let end = prog.len();
                    choice(prog, top, top + 1, end);
                }
            }
        }
    }
    Some(())
}

struct Vm<'a> {
    prog: &'a [Inst],
    text: &'a str,
    end: usize,
    steps: &'a mut u32,
}

/// The step budget ran out.
struct Exhausted;

impl Vm<'_> {
    fn run(mut self, pc: usize, pos: usize) -> Result<Option<usize>, Exhausted> {
        self.go(pc, pos)
    }

    /// The byte length of the character at `pos` if it is in `ranges`.
    fn char_in(&self, pos: usize, ranges: &[(char, char)]) -> Option<usize> {
        let c = self.text[pos..self.end].chars().next()?;
        let i = ranges.partition_point(|&(_, hi)| hi < c);
        ranges
            .get(i)
            .is_some_and(|&(lo, _)| lo <= c)
            .then(|| c.len_utf8())
    }

    /// Several alternatives match at `pos`: try each in order with the rest.
    fn lits_slow(
        &mut self,
        lits: &[Box<str>],
        pc: usize,
        pos: usize,
    ) -> Result<Option<usize>, Exhausted> {
        let rest = &self.text.as_bytes()[pos..self.end];
        for l in lits.iter().filter(|l| rest.starts_with(l.as_bytes())) {
            *self.steps += 1;
            if *self.steps > STEP_BUDGET {
                return Err(Exhausted);
            }
            if let Some(e) = self.go(pc + 1, pos + l.len())? {
                return Ok(Some(e));
            }
        }
        Ok(None)
    }

    fn go(&mut self, mut pc: usize, mut pos: usize) -> Result<Option<usize>, Exhausted> {
        loop {
            match &self.prog[pc] {
                Inst::Lit(s) => {
                    if pos + s.len() <= self.end
                        && self.text.as_bytes()[pos..].starts_with(s.as_bytes())
                    {
                        pos += s.len();
                        pc += 1;
                    } else {
                        return Ok(None);
                    }
                }
                Inst::Class(ranges) => match self.char_in(pos, ranges) {
                    Some(n) => {
                        pos += n;
                        pc += 1;
                    }
                    None => return Ok(None),
                },
                Inst::Lits(lits) => {
                    let rest = &self.text.as_bytes()[pos..self.end];
                    let mut matching = lits.iter().filter(|l| rest.starts_with(l.as_bytes()));
                    let Some(first) = matching.next() else {
                        return Ok(None);
                    };
                    if matching.next().is_some() {
                        // Several match (统筹 and 统筹安排): each must be tried with
                        // the rest of the pattern, earlier ones first.
                        return self.lits_slow(lits, pc, pos);
                    }
                    pos += first.len();
                    pc += 1;
                }
                Inst::ClassRep {
                    ranges,
                    min,
                    max,
                    greedy,
                } => {
                    // Ends of runs of 0, 1, 2, ... matching characters.
                    let mut ends = [0usize; MAX_RUN as usize + 1];
                    let mut n = 0;
                    let mut at = pos;
                    ends[0] = pos;
                    while n < *max as usize && n < MAX_RUN as usize {
                        match self.char_in(at, ranges) {
                            Some(w) => {
                                at += w;
                                n += 1;
                                ends[n] = at;
                            }
                            None => break,
                        }
                    }
                    if n < *min as usize {
                        return Ok(None);
                    }
                    let lens = *min as usize..=n;
                    let try_len = |vm: &mut Self, k: usize| -> Result<Option<usize>, Exhausted> {
                        *vm.steps += 1;
                        if *vm.steps > STEP_BUDGET {
                            return Err(Exhausted);
                        }
                        vm.go(pc + 1, ends[k])
                    };
                    if *greedy {
                        for k in lens.rev() {
                            if let Some(e) = try_len(self, k)? {
                                return Ok(Some(e));
                            }
                        }
                    } else {
                        for k in lens {
                            if let Some(e) = try_len(self, k)? {
                                return Ok(Some(e));
                            }
                        }
                    }
                    return Ok(None);
                }
                Inst::Look(l) => {
                    let b = self.text.as_bytes();
                    let ok = match l {
                        Look::Start => pos == 0,
                        Look::End => pos == b.len(),
                        Look::StartLF => pos == 0 || b[pos - 1] == b'\n',
                        Look::EndLF => pos == b.len() || b[pos] == b'\n',
                        _ => unreachable!("compile() admits only these looks"),
                    };
                    if !ok {
                        return Ok(None);
                    }
                    pc += 1;
                }
                Inst::Split(a, b) => {
                    *self.steps += 1;
                    if *self.steps > STEP_BUDGET {
                        return Err(Exhausted);
                    }
                    if let Some(e) = self.go(*a, pos)? {
                        return Ok(Some(e));
                    }
                    pc = *b;
                }
                Inst::Jmp(a) => pc = *a,
                Inst::Match => return Ok(Some(pos)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verifier(re: &str) -> Verifier {
        let hir = regex_syntax::Parser::new().parse(re).expect("pattern");
        let v = Verifier::new(&hir, meta::Regex::new(re).expect("pattern"));
        assert!(v.prog.is_some(), "{re} should be interpreted");
        v
    }

    /// The interpreter and the regex crate agree on every start of `text`.
    fn agree(re: &str, text: &str) {
        let v = verifier(re);
        for (s, _) in text.char_indices() {
            let ours = v.match_at(text, s, text.len());
            let input = Input::new(text).range(s..).anchored(Anchored::Yes);
            let theirs = v.re.search(&input).map(|m| m.end());
            assert_eq!(ours, theirs, "{re} at byte {s} of {text}");
        }
    }

    #[test]
    fn agrees_with_the_regex_crate() {
        let text = "经县政府常务会议研究同意，由县城投公司直接委托施工单位实施；已于3月先行进场。\n本办法由县财政局负责解释\n";
        for re in [
            r"(经|按照)[^。；\n]{0,30}(常务会议?|批准)",
            r"(由|经)[^，。；\n]{0,12}(直接委托|直接确定)",
            r"(已|已经)(于[^。；，\n]{1,14})?(先行|提前)(进场|开工)",
            r"(?m)负责解释\s*$",
            r"(?m)^本办法",
            r"[0-9０-９]+月",
            r"委托[^。]*?实施",
            r"(县财政局|县政府)(负责)?解释",
            r"(常务会|常委会)议?",
        ] {
            agree(re, text);
        }
    }

    #[test]
    fn greedy_gap_takes_the_last_possible_end() {
        let v = verifier(r"经[^。]{0,20}同意");
        let text = "经研究同意，报县政府同意。";
        let end = v.match_at(text, 0, text.len()).expect("match");
        assert_eq!(&text[..end], "经研究同意，报县政府同意");
    }

    #[test]
    fn match_never_passes_the_end_bound() {
        let v = verifier(r"委托[^。]{0,10}实施");
        let text = "委托公司\n实施";
        assert_eq!(v.match_at(text, 0, text.find('\n').unwrap()), None);
    }

    #[test]
    fn word_boundaries_go_to_the_regex_crate() {
        let hir = regex_syntax::Parser::new().parse(r"\bab").expect("pattern");
        let v = Verifier::new(&hir, meta::Regex::new(r"\bab").expect("pattern"));
        assert!(v.prog.is_none());
        assert_eq!(v.match_at("ab", 0, 2), Some(2));
    }
}
