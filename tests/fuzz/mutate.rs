//! Mutations of good files: each turns a JSON value (or its text) into a nearby bad input of one
//! class. Every choice comes from the seeded generator, so a (seed, case) pair replays exactly.

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};

/// One step into a JSON value: an object key or an array index.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// Every path of `v` (the root is the empty path), depth first.
pub fn paths(v: &Value) -> Vec<Vec<Step>> {
    fn walk(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        out.push(at.clone());
        match v {
            Value::Object(o) => {
                for (k, x) in o {
                    at.push(Step::Key(k.clone()));
                    walk(x, at, out);
                    at.pop();
                }
            }
            Value::Array(a) => {
                // Long arrays (curves, grids): a few elements stand for all.
                for (i, x) in a.iter().enumerate().take(6) {
                    at.push(Step::Index(i));
                    walk(x, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

/// The node at `path`.
pub fn get_mut<'a>(v: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    path.iter().try_fold(v, |cur, s| match (s, cur) {
        (Step::Key(k), Value::Object(o)) => o.get_mut(k),
        (Step::Index(i), Value::Array(a)) => a.get_mut(*i),
        _ => None,
    })
}

/// The node at `path`.
pub fn get<'a>(v: &'a Value, path: &[Step]) -> Option<&'a Value> {
    path.iter().try_fold(v, |cur, s| match (s, cur) {
        (Step::Key(k), Value::Object(o)) => o.get(k),
        (Step::Index(i), Value::Array(a)) => a.get(*i),
        _ => None,
    })
}

/// A dotted rendering of a path (`model.g[1]`), for repro lines.
pub fn show(path: &[Step]) -> String {
    let mut s = String::new();
    for st in path {
        match st {
            Step::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Step::Index(i) => s.push_str(&format!("[{i}]")),
        }
    }
    if s.is_empty() {
        "<root>".into()
    } else {
        s
    }
}

fn pick_path(v: &Value, rng: &mut ChaCha8Rng, want: impl Fn(&Value) -> bool) -> Option<Vec<Step>> {
    let ps: Vec<Vec<Step>> = paths(v)
        .into_iter()
        .filter(|p| get(v, p).is_some_and(&want))
        .collect();
    ps.choose(rng).cloned()
}

/// Numbers at the edge of what JSON, f64, u64 and usize can hold.
pub const EXTREME: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "-1",
    "1",
    "2",
    "0.5",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e-308",
    "5e-324",
    "-5e-324",
    "18446744073709551615",
    "18446744073709551616",
    "9223372036854775807",
    "-9223372036854775808",
    "-9223372036854775809",
    "9007199254740993",
    "4294967297",
    "2147483648",
    "1e400",
    "-1e400",
    "123456789012345678901234567890123456789",
    "1e19",
    "1.5",
    "-2.5",
    "1e9",
];

/// Sizes far beyond what a run may allocate.
pub const HUGE: &[&str] = &[
    "1000000",
    "100000000",
    "1000000000",
    "1000000000000",
    "4294967296",
    "9007199254740992",
    "18446744073709551615",
    "1e15",
    "1e30",
    "65536",
    "3000",
];

/// Marker of a raw JSON token to splice into the text.
const RAW: &str = "\u{1}RAW\u{1}";

/// Replace the node at `path` with the raw token `tok` (which need not be representable as a
/// `Value`, e.g. `1e400` or a 39-digit integer): returns the text.
pub fn splice_raw(v: &Value, path: &[Step], tok: &str) -> String {
    let mut w = v.clone();
    if let Some(n) = get_mut(&mut w, path) {
        *n = Value::String(RAW.into());
    }
    let text = serde_json::to_string_pretty(&w).unwrap();
    let quoted = serde_json::to_string(RAW).unwrap();
    text.replacen(&quoted, tok, 1)
}

/// A value of another type than `v`.
fn other_type(v: &Value, rng: &mut ChaCha8Rng) -> Value {
    let choices: Vec<Value> = vec![
        json!("1"),
        json!(""),
        json!("abc"),
        json!("NaN"),
        json!("inf"),
        json!("-Infinity"),
        json!(true),
        json!(false),
        Value::Null,
        json!([]),
        json!([1]),
        json!({}),
        json!({"a": 1}),
        json!(1),
        json!(0.5),
        json!(-3),
        json!([[1, 2], [3, 4]]),
        json!("é\u{0}\u{7f}"),
    ];
    loop {
        let c = choices.choose(rng).unwrap().clone();
        if std::mem::discriminant(&c) != std::mem::discriminant(v) {
            return c;
        }
    }
}

/// A mutated input: the file's bytes and a one-line description of the mutation.
pub struct Mutant {
    pub bytes: Vec<u8>,
    pub what: String,
    /// The value, when the mutation kept the file valid JSON (used to decide on running it).
    pub value: Option<Value>,
}

impl Mutant {
    fn value(v: Value, what: String) -> Mutant {
        Mutant {
            bytes: serde_json::to_vec_pretty(&v).unwrap(),
            what,
            value: Some(v),
        }
    }
    fn text(t: String, what: String) -> Mutant {
        let value = serde_json::from_str(&t).ok();
        Mutant {
            bytes: t.into_bytes(),
            what,
            value,
        }
    }
}

/// Drop one field (object key) or array element.
pub fn drop_field(v: &Value, rng: &mut ChaCha8Rng) -> Mutant {
    let mut w = v.clone();
    let Some(p) = pick_path(v, rng, |x| x.as_object().is_some_and(|o| !o.is_empty())) else {
        return Mutant::value(w, "drop: nothing to drop".into());
    };
    let o = get_mut(&mut w, &p).unwrap().as_object_mut().unwrap();
    let keys: Vec<String> = o.keys().cloned().collect();
    let k = keys.choose(rng).unwrap().clone();
    o.remove(&k);
    let mut at = p.clone();
    at.push(Step::Key(k));
    Mutant::value(w, format!("drop {}", show(&at)))
}

/// Repeat a key of an object (as text: a `Value` cannot hold duplicates), with the same or
/// another value.
pub fn duplicate_key(v: &Value, rng: &mut ChaCha8Rng) -> Mutant {
    let Some(p) = pick_path(v, rng, |x| x.as_object().is_some_and(|o| !o.is_empty())) else {
        return Mutant::value(v.clone(), "duplicate: no object".into());
    };
    let mut w = v.clone();
    let o = get_mut(&mut w, &p).unwrap().as_object_mut().unwrap();
    let keys: Vec<String> = o.keys().cloned().collect();
    let k = keys.choose(rng).unwrap().clone();
    let dup = if rng.random_bool(0.5) {
        o[&k].clone()
    } else {
        other_type(&o[&k], rng)
    };
    // Rebuild the object with a marker key right after `k`, then rename the marker in the text.
    let mut m = Map::new();
    for (kk, x) in std::mem::take(o) {
        let is_k = kk == k;
        m.insert(kk, x);
        if is_k {
            m.insert(RAW.into(), dup.clone());
        }
    }
    *o = m;
    let text = serde_json::to_string_pretty(&w).unwrap();
    let text = text.replacen(
        &serde_json::to_string(RAW).unwrap(),
        &serde_json::to_string(&k).unwrap(),
        1,
    );
    let mut at = p;
    at.push(Step::Key(k));
    Mutant::text(text, format!("duplicate key {}", show(&at)))
}

/// A node replaced by a value of another type.
pub fn wrong_type(v: &Value, rng: &mut ChaCha8Rng) -> Mutant {
    let p = pick_path(v, rng, |_| true).unwrap_or_default();
    let mut w = v.clone();
    let n = get_mut(&mut w, &p).unwrap();
    let new = other_type(n, rng);
    let what = format!("wrong type {} = {}", show(&p), new);
    *n = new;
    Mutant::value(w, what)
}

/// A number (or any leaf) replaced by an extreme number, as a raw token.
pub fn extreme_number(v: &Value, rng: &mut ChaCha8Rng) -> Mutant {
    let p = pick_path(v, rng, Value::is_number)
        .or_else(|| pick_path(v, rng, |x| !x.is_object() && !x.is_array()))
        .unwrap_or_default();
    let tok = *EXTREME.choose(rng).unwrap();
    Mutant::text(
        splice_raw(v, &p, tok),
        format!("extreme {} = {tok}", show(&p)),
    )
}

/// A size-like integer made huge.
pub fn huge_size(v: &Value, rng: &mut ChaCha8Rng) -> Mutant {
    let ints = |x: &Value| x.as_f64().is_some_and(|f| f.fract() == 0.0 && f >= 1.0);
    let p = pick_path(v, rng, ints)
        .or_else(|| pick_path(v, rng, Value::is_number))
        .unwrap_or_default();
    if rng.random_bool(0.15) {
        // A long array where a short one goes (regions, grids).
        if let Some(ap) = pick_path(v, rng, |x| x.as_array().is_some_and(|a| !a.is_empty())) {
            let mut w = v.clone();
            let a = get_mut(&mut w, &ap).unwrap().as_array_mut().unwrap();
            let len = *[300usize, 3000, 20000].choose(rng).unwrap();
            let first = a[0].clone();
            a.resize(len, first);
            return Mutant::value(w, format!("huge array {} (length {len})", show(&ap)));
        }
    }
    let tok = *HUGE.choose(rng).unwrap();
    Mutant::text(splice_raw(v, &p, tok), format!("huge {} = {tok}", show(&p)))
}

/// Arrays with elements dropped or appended, nested one level deeper or flattened, scalars
/// wrapped in arrays.
pub fn wrong_shape(v: &Value, rng: &mut ChaCha8Rng) -> Mutant {
    let mut w = v.clone();
    let Some(p) = pick_path(v, rng, |x| x.is_array() || x.is_number()) else {
        return Mutant::value(w, "shape: no array".into());
    };
    let n = get_mut(&mut w, &p).unwrap();
    let what;
    match n {
        Value::Array(a) => match rng.random_range(0..7) {
            0 if !a.is_empty() => {
                let i = rng.random_range(0..a.len());
                a.remove(i);
                what = format!("shape {}: element {i} dropped", show(&p));
            }
            1 => {
                let x = a.last().cloned().unwrap_or(json!(0.0));
                a.push(x);
                what = format!("shape {}: element appended", show(&p));
            }
            2 => {
                *n = json!([n.clone()]);
                what = format!("shape {}: nested", show(&p));
            }
            3 => {
                let first = a.first().cloned().unwrap_or(Value::Null);
                *n = first;
                what = format!("shape {}: replaced by its first element", show(&p));
            }
            4 => {
                a.clear();
                what = format!("shape {}: emptied", show(&p));
            }
            5 => {
                // Ragged: one row shorter or longer.
                if let Some(Value::Array(row)) = a.first_mut() {
                    if rng.random_bool(0.5) {
                        row.pop();
                    } else {
                        row.push(json!(1.0));
                    }
                }
                what = format!("shape {}: ragged first row", show(&p));
            }
            _ => {
                let flat: Vec<Value> = a
                    .iter()
                    .flat_map(|x| match x {
                        Value::Array(r) => r.clone(),
                        x => vec![x.clone()],
                    })
                    .collect();
                *a = flat;
                what = format!("shape {}: flattened", show(&p));
            }
        },
        x => {
            *x = json!([x.clone(), x.clone()]);
            what = format!("shape {}: scalar made an array", show(&p));
        }
    }
    Mutant::value(w, what)
}

/// Truncated, non-UTF-8, empty, byte-flipped or absurdly nested text.
pub fn broken_text(v: &Value, rng: &mut ChaCha8Rng) -> Mutant {
    let text = serde_json::to_string_pretty(v).unwrap();
    let mut b = text.clone().into_bytes();
    let what;
    match rng.random_range(0..9) {
        0 => {
            let at = rng.random_range(0..b.len().max(1));
            b.truncate(at);
            what = format!("truncated at byte {at}");
        }
        1 => {
            let at = rng.random_range(0..b.len().max(1));
            b.insert(at, *[0xffu8, 0xfe, 0xc3, 0x80, 0xed].choose(rng).unwrap());
            what = format!("non-UTF-8 byte at {at}");
        }
        2 => {
            b.clear();
            what = "empty file".into();
        }
        3 => {
            for _ in 0..rng.random_range(1..4) {
                let at = rng.random_range(0..b.len().max(1));
                if let Some(x) = b.get_mut(at) {
                    *x = rng.random();
                }
            }
            what = "random bytes flipped".into();
        }
        4 => {
            let depth = *[200usize, 5000, 100000].choose(rng).unwrap();
            b = format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into_bytes();
            what = format!("nested {depth} deep");
        }
        5 => {
            b = (*[
                "null",
                "[]",
                "1",
                "\"dmft\"",
                "true",
                "{}",
                " \n\t ",
                "{\"kind\": \"dmft\"}",
            ]
            .choose(rng)
            .unwrap())
            .into();
            what = format!("not a config: {}", String::from_utf8_lossy(&b).trim());
        }
        6 => {
            let mut t = vec![0xef, 0xbb, 0xbf];
            t.extend_from_slice(&b);
            b = t;
            what = "UTF-8 byte-order mark".into();
        }
        7 => {
            b.extend_from_slice(b" {\"trailing\": 1}");
            what = "trailing data".into();
        }
        _ => {
            b = b.iter().copied().filter(|&c| c != b',').collect();
            what = "commas removed".into();
        }
    }
    Mutant {
        value: serde_json::from_slice(&b).ok(),
        bytes: b,
        what,
    }
}

/// The `"kind"` tag changed (to another kind, or something that is not one), or the file of
/// another kind used unchanged (done by the caller).
pub fn wrong_kind_tag(v: &Value, rng: &mut ChaCha8Rng) -> Mutant {
    let mut w = v.clone();
    let names = mrdmft::config::Kind::ALL.map(mrdmft::config::Kind::name);
    // Every real kind (the wrong one for most files) and some that are no kind at all.
    let tags: Vec<&str> = names
        .iter()
        .copied()
        .chain(["sweep_checkpoint", "DMFT", "", "fixed-points"])
        .collect();
    let tag = *tags.choose(rng).unwrap();
    if let Some(o) = w.as_object_mut() {
        o.insert("kind".into(), json!(tag));
    }
    Mutant::value(w, format!("kind = {tag:?}"))
}

/// One of the value mutations, chosen at random (for nested use).
pub fn any_value_mutation(v: &Value, rng: &mut ChaCha8Rng) -> Mutant {
    match rng.random_range(0..6) {
        0 => drop_field(v, rng),
        1 => duplicate_key(v, rng),
        2 => wrong_type(v, rng),
        3 => extreme_number(v, rng),
        4 => wrong_shape(v, rng),
        _ => huge_size(v, rng),
    }
}
