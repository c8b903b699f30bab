//! The typo rule of search, the same on both engines (it is Meilisearch's): a query word of 5
//! to 8 characters may carry one typo and a longer one two; an insertion, a deletion, a
//! substitution or a swap of two neighbouring letters is one typo (Damerau-Levenshtein); a
//! typo on the first letter counts as two.
//!
//! Written here because tantivy's `FuzzyTermQuery` has no first-letter rule: `Typos` is a term
//! automaton (tantivy-fst's `Automaton`, which tantivy's fuzzy query also runs on its term
//! dictionary) built from Levenshtein automata, and the highlighter asks the same automaton.

use std::sync::{Arc, OnceLock};

use levenshtein_automata::{DFA, Distance, LevenshteinAutomatonBuilder, SINK_STATE};
use tantivy::query::{AutomatonWeight, EnableScoring, Query, Weight};
use tantivy::schema::Field;

/// Typos a query word of `len` characters may carry.
pub fn allowed(len: usize) -> u8 {
    match len {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// The automaton builders of one and two typos, transpositions counting one: costly to
/// build, so built once (tantivy's fuzzy query keeps its own the same way).
fn builder(typos: u8) -> &'static LevenshteinAutomatonBuilder {
    static ONE: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    static TWO: OnceLock<LevenshteinAutomatonBuilder> = OnceLock::new();
    if typos <= 1 {
        ONE.get_or_init(|| LevenshteinAutomatonBuilder::new(1, true))
    } else {
        TWO.get_or_init(|| LevenshteinAutomatonBuilder::new(2, true))
    }
}

/// The words within the typos `word` may carry: its first letter kept and the rest within
/// the allowance, or, when two typos are allowed, the whole word within one (a first-letter
/// typo spends both).
pub struct Typos {
    first: Vec<u8>,
    rest: DFA,
    whole: Option<DFA>,
}

/// Where a term read so far stands: how many bytes of the first letter it matched (`None`
/// once it left that path), and the states of the two automata.
#[derive(Clone, Debug)]
pub struct State {
    first: Option<usize>,
    rest: u32,
    whole: u32,
}

impl Typos {
    /// The automaton of `word` (already analysed), or none when it may carry no typo.
    pub fn of(word: &str) -> Option<Typos> {
        let allowance = allowed(word.chars().count());
        if allowance == 0 {
            return None;
        }
        let split = word.chars().next().map_or(0, char::len_utf8);
        Some(Typos {
            first: word.as_bytes()[..split].to_vec(),
            rest: builder(allowance).build_dfa(&word[split..]),
            whole: (allowance >= 2).then(|| builder(1).build_dfa(word)),
        })
    }

    /// Whether `term` is within the typos of the word.
    pub fn matches(&self, term: &str) -> bool {
        use tantivy_fst::Automaton;
        let state = term
            .as_bytes()
            .iter()
            .fold(self.start(), |state, byte| self.accept(&state, *byte));
        self.is_match(&state)
    }
}

fn accepts(dfa: &DFA, state: u32) -> bool {
    matches!(dfa.distance(state), Distance::Exact(_))
}

impl tantivy_fst::Automaton for Typos {
    type State = State;

    fn start(&self) -> State {
        State {
            first: Some(0),
            rest: self.rest.initial_state(),
            whole: self.whole.as_ref().map_or(SINK_STATE, DFA::initial_state),
        }
    }

    fn is_match(&self, state: &State) -> bool {
        (state.first == Some(self.first.len()) && accepts(&self.rest, state.rest))
            || self.whole.as_ref().is_some_and(|dfa| accepts(dfa, state.whole))
    }

    fn can_match(&self, state: &State) -> bool {
        (state.first.is_some() && state.rest != SINK_STATE) || state.whole != SINK_STATE
    }

    fn accept(&self, state: &State, byte: u8) -> State {
        let whole = match &self.whole {
            Some(dfa) if state.whole != SINK_STATE => dfa.transition(state.whole, byte),
            _ => SINK_STATE,
        };
        let (first, rest) = match state.first {
            Some(n) if n < self.first.len() => ((self.first[n] == byte).then_some(n + 1), state.rest),
            Some(n) => (Some(n), self.rest.transition(state.rest, byte)),
            None => (None, SINK_STATE),
        };
        State { first, rest, whole }
    }
}

/// The terms of `field` within the typos of a word, as a query.
#[derive(Clone)]
pub struct TypoQuery {
    field: Field,
    typos: Arc<Typos>,
}

impl TypoQuery {
    /// The query of `typos` on `field`; one automaton serves the query of every field.
    pub fn new(field: Field, typos: Arc<Typos>) -> TypoQuery {
        TypoQuery { field, typos }
    }
}

impl std::fmt::Debug for TypoQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypoQuery")
            .field("field", &self.field)
            .finish_non_exhaustive()
    }
}

impl Query for TypoQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(AutomatonWeight::<Typos>::new(self.field, self.typos.clone())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn within(word: &str, term: &str) -> bool {
        Typos::of(word).is_some_and(|t| t.matches(term))
    }

    #[test]
    fn allowance_follows_word_length() {
        assert_eq!((allowed(4), allowed(5), allowed(8), allowed(9)), (0, 1, 1, 2));
        assert!(Typos::of("robe").is_none());
    }

    #[test]
    fn one_typo_anywhere_but_the_first_letter_from_five_letters() {
        // mallette (8): insertion, deletion, substitution, transposition, middle and end.
        for typo in [
            "malllette",
            "mallete",
            "mallitte",
            "malltete",
            "mallettes",
            "mallett",
            "mallettz",
            "malletet",
        ] {
            assert!(within(typo, "mallette"), "{typo}");
        }
        // …but not on the first letter, which costs two (the allowance is the typed word's:
        // `xmallette` has nine letters, so it may spend two on its first).
        for typo in ["xcollege", "ollege", "zollege", "ocllege"] {
            assert!(!within(typo, "college"), "{typo}");
        }
        assert!(within("xmallette", "mallette"));
        // …and not two typos.
        assert!(!within("malettte", "mallette"));
    }

    #[test]
    fn two_typos_from_nine_letters_or_one_on_the_first_letter() {
        for typo in [
            "feminisatoin",
            "feminisaton",
            "femmiisation",
            "efminisation",
            "xfeminisation",
            "eminisation",
            "zeminisation",
        ] {
            assert!(within(typo, "feminisation"), "{typo}");
        }
        // A first-letter typo spends both.
        assert!(!within("efminisatoin", "feminisation"));
        assert!(within("feminisatoinx", "feminisation"));
        // Three typos never.
        assert!(!within("femnisatoinx", "feminisation"));
    }

    #[test]
    fn transpositions_count_one() {
        for (typo, word) in [
            ("microtechnqiues", "microtechniques"),
            ("ingeniuer", "ingenieur"),
            ("exposiiton", "exposition"),
            ("malletet", "mallette"),
        ] {
            assert!(within(typo, word), "{typo} → {word}");
        }
    }
}
