//! The place table (`src/places/data/`, derived from INSEE's COG and La Poste's postal codes by
//! `src/places/data/derive.py`), read once from the binary and indexed by postal code and by name.

use std::collections::HashMap;
use std::sync::LazyLock;

use entity::Region;

use super::name_key;

const DEPARTEMENTS: &str = include_str!("data/departements.tsv");
const COMMUNES: &str = include_str!("data/communes.tsv");

/// A département of the table.
#[derive(Debug, PartialEq, Eq)]
pub struct Departement {
    /// `25`, `2A`, `974`.
    pub code: &'static str,
    pub name: &'static str,
    pub region: Region,
}

/// A commune of the table (a current commune: former ones only lead to theirs).
#[derive(Debug, PartialEq, Eq)]
pub struct Commune {
    /// INSEE code (`25056`, `2A004`).
    pub code: &'static str,
    pub name: &'static str,
    pub departement: &'static str,
    /// Its postal codes, space-separated (Lyon has nine).
    postal_codes: &'static str,
}

impl Commune {
    pub fn postal_codes(&self) -> impl Iterator<Item = &'static str> {
        self.postal_codes.split(' ').filter(|c| !c.is_empty())
    }

    /// Its postal code when it has only one.
    pub fn only_postal_code(&self) -> Option<&'static str> {
        let mut codes = self.postal_codes();
        match (codes.next(), codes.next()) {
            (Some(code), None) => Some(code),
            _ => None,
        }
    }
}

pub(super) struct Table {
    departements: HashMap<&'static str, Departement>,
    communes: Vec<Commune>,
    by_code: HashMap<&'static str, usize>,
    by_postal_code: HashMap<&'static str, Vec<usize>>,
    /// Current communes by `name_key` of their name.
    by_name: HashMap<String, Vec<usize>>,
    /// Former communes (déléguées, associées) by `name_key`, leading to their current commune.
    by_former_name: HashMap<String, Vec<usize>>,
}

/// The région of an INSEE région code (COG 2016 onwards).
fn region(code: &str) -> Option<Region> {
    Some(match code {
        "84" => Region::AuvergneRhoneAlpes,
        "27" => Region::BourgogneFrancheComte,
        "53" => Region::Bretagne,
        "24" => Region::CentreValDeLoire,
        "94" => Region::Corse,
        "44" => Region::GrandEst,
        "32" => Region::HautsDeFrance,
        "11" => Region::IleDeFrance,
        "28" => Region::Normandie,
        "75" => Region::NouvelleAquitaine,
        "76" => Region::Occitanie,
        "52" => Region::PaysDeLaLoire,
        "93" => Region::ProvenceAlpesCoteDAzur,
        "01" => Region::Guadeloupe,
        "02" => Region::Martinique,
        "03" => Region::Guyane,
        "04" => Region::LaReunion,
        "06" => Region::Mayotte,
        _ => return None,
    })
}

fn rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| line.split('\t').collect())
}

impl Table {
    fn load() -> Table {
        let mut departements = HashMap::new();
        for cells in rows(DEPARTEMENTS) {
            // The derivation writes four cells and only régions the hub knows (a test reads
            // every row back): a row that is not so is skipped, never a panic at run time.
            if let [code, name, region_code, _] = cells[..]
                && let Some(region) = region(region_code)
            {
                departements.insert(code, Departement { code, name, region });
            }
        }
        let mut table = Table {
            departements,
            communes: Vec::with_capacity(36_000),
            by_code: HashMap::with_capacity(36_000),
            by_postal_code: HashMap::with_capacity(7_000),
            by_name: HashMap::with_capacity(36_000),
            by_former_name: HashMap::with_capacity(2_000),
        };
        let mut former = Vec::new();
        for cells in rows(COMMUNES) {
            let [code, name, departement, postal_codes, parent] = cells[..] else {
                continue;
            };
            if !parent.is_empty() {
                former.push((name, parent));
                continue;
            }
            let index = table.communes.len();
            let commune = Commune {
                code,
                name,
                departement,
                postal_codes,
            };
            for postal in commune.postal_codes() {
                table.by_postal_code.entry(postal).or_default().push(index);
            }
            table.by_name.entry(name_key(name)).or_default().push(index);
            table.by_code.insert(code, index);
            table.communes.push(commune);
        }
        for (name, parent) in former {
            if let Some(index) = table.by_code.get(parent) {
                let list = table.by_former_name.entry(name_key(name)).or_default();
                if !list.contains(index) {
                    list.push(*index);
                }
            }
        }
        table
    }

    pub(super) fn get() -> &'static Table {
        static TABLE: LazyLock<Table> = LazyLock::new(Table::load);
        &TABLE
    }

    pub(super) fn departement(&self, code: &str) -> Option<&Departement> {
        self.departements.get(code)
    }

    pub(super) fn commune(&self, code: &str) -> Option<&Commune> {
        self.by_code.get(code).map(|i| &self.communes[*i])
    }

    pub(super) fn with_postal_code(&self, code: &str) -> Vec<&Commune> {
        self.by_postal_code
            .get(code)
            .map(|list| list.iter().map(|i| &self.communes[*i]).collect())
            .unwrap_or_default()
    }

    /// The current communes named `key` (a `name_key`), else the communes that former
    /// communes of that name now belong to.
    pub(super) fn named(&self, key: &str) -> Vec<&Commune> {
        let list = self.by_name.get(key).or_else(|| self.by_former_name.get(key));
        list.map(|list| list.iter().map(|i| &self.communes[*i]).collect())
            .unwrap_or_default()
    }

    #[cfg(test)]
    pub(super) fn sizes(&self) -> (usize, usize) {
        (self.departements.len(), self.communes.len())
    }
}
