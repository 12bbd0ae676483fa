//! Reading an export document incrementally: each record is handed on as soon as it is read,
//! so a file is never held whole, whatever its size. The problems of the document's form (not
//! UTF-8, not JSON, another format, a missing array, a record that does not read as its type)
//! are collected on the way and said at the end, in the same words and order as if the file
//! had been read at once. No SQL here: the caller's sink does what a record needs.

use super::{At, FORMAT, FORMAT_VERSION, Problem, RECORD_TYPES};
use crate::domain::{Customer, Employee, FollowUp, FollowUpIssue, Purchase};
use crate::store::StoreError;
use crate::store::audit::AuditEntry;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;
use std::io::{self, BufReader, Read};

/// One record of a document, as read.
pub(crate) enum Record {
    Employee(Employee),
    Customer(Customer),
    Purchase(Purchase),
    FollowUp(FollowUp),
    Issue(FollowUpIssue),
    Audit(AuditEntry),
}

impl Record {
    /// Its array's place in `RECORD_TYPES`.
    pub(crate) fn rank(&self) -> usize {
        match self {
            Record::Employee(_) => 0,
            Record::Customer(_) => 1,
            Record::Purchase(_) => 2,
            Record::FollowUp(_) => 3,
            Record::Issue(_) => 4,
            Record::Audit(_) => 5,
        }
    }

    pub(crate) fn id(&self) -> &str {
        match self {
            Record::Employee(r) => &r.id,
            Record::Customer(r) => &r.id,
            Record::Purchase(r) => &r.id,
            Record::FollowUp(r) => &r.id,
            Record::Issue(r) => &r.id,
            Record::Audit(r) => &r.id,
        }
    }
}

/// The fields of a document other than its records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Header {
    pub schema_version: i64,
    pub exported_at: String,
    pub exported_by: String,
}

/// What a read of a whole document found: its header, or every problem of its form.
pub type Outcome = std::result::Result<Header, Vec<Problem>>;

/// Why a read stopped short of an outcome.
pub(crate) enum Stop {
    /// The input could not be read.
    Io(io::Error),
    /// The sink failed (a database error); the reading stopped there.
    Sink(StoreError),
}

/// Receives each readable record with its index in its array, in the document's order.
pub(crate) type Sink<'a> = dyn FnMut(usize, Record) -> crate::store::Result<()> + 'a;

/// Reads the document from `input`, handing each record to `sink` as it is read.
pub(crate) fn read<R: Read>(input: R, sink: &mut Sink) -> std::result::Result<Outcome, Stop> {
    let mut utf8 = Utf8Check::new(input);
    let mut reader = Reader::new(sink);
    let mut buffered = BufReader::with_capacity(1 << 16, &mut utf8);
    let mut de = serde_json::Deserializer::from_reader(&mut buffered);
    let parsed = Root(&mut reader)
        .deserialize(&mut de)
        .and_then(|shape| de.end().map(|()| shape));
    drop(de);
    if let Some(e) = reader.stopped.take() {
        return Err(Stop::Sink(e));
    }
    if parsed.is_err() {
        // Text that is not UTF-8 is said first, wherever it is: read what the parser left.
        let drained = io::copy(&mut buffered, &mut io::sink());
        drop(buffered);
        if let (Err(e), None) = (drained, &utf8.error) {
            return Err(Stop::Io(e));
        }
    } else {
        drop(buffered);
    }
    let whole = |key: &'static str| Problem::new(At::Document, key);
    if let Some(detail) = utf8.error.take() {
        return Ok(Err(vec![
            whole("exchange.p_not_json").with("detail", detail),
        ]));
    }
    match parsed {
        Ok(Shape::Object) => Ok(reader.outcome()),
        Ok(Shape::Other) => Ok(Err(vec![whole("exchange.p_not_export").with("found", "-")])),
        Err(e) if e.is_io() => Err(Stop::Io(e.into())),
        Err(e) => Ok(Err(vec![
            whole("exchange.p_not_json").with("detail", e.to_string()),
        ])),
    }
}

/// What the top of the document was.
enum Shape {
    Object,
    Other,
}

/// What has been read so far, and where records go.
struct Reader<'s, 'a> {
    sink: &'s mut Sink<'a>,
    /// The sink's error, which stopped the reading (serde carries only its text).
    stopped: Option<StoreError>,
    format: Option<Value>,
    format_version: Option<Value>,
    schema_version: Option<Value>,
    exported_at: Option<Value>,
    exported_by: Option<Value>,
    /// Which record arrays were present as arrays.
    arrays: [bool; 6],
    /// Records that do not read as their type.
    unreadable: Vec<(usize, usize, Problem)>,
}

impl<'s, 'a> Reader<'s, 'a> {
    fn new(sink: &'s mut Sink<'a>) -> Self {
        Reader {
            sink,
            stopped: None,
            format: None,
            format_version: None,
            schema_version: None,
            exported_at: None,
            exported_by: None,
            arrays: [false; 6],
            unreadable: Vec::new(),
        }
    }

    /// One element of the array at `rank`: read as its type and handed on, or noted as
    /// unreadable. Each element is first read as a JSON value, so a record that is not one
    /// stops nothing but itself and is described as a whole-file read describes it.
    fn record(&mut self, rank: usize, index: usize, item: Value) -> Result<(), StoreError> {
        let read = match rank {
            0 => serde_json::from_value(item).map(Record::Employee),
            1 => serde_json::from_value(item).map(Record::Customer),
            2 => serde_json::from_value(item).map(Record::Purchase),
            3 => serde_json::from_value(item).map(Record::FollowUp),
            4 => serde_json::from_value(item).map(Record::Issue),
            _ => serde_json::from_value(item).map(Record::Audit),
        };
        match read {
            Ok(record) => (self.sink)(index, record),
            Err(e) => {
                let at = At::Record {
                    record_type: RECORD_TYPES[rank],
                    index,
                };
                let p = Problem::new(at, "exchange.p_unreadable").with("detail", e.to_string());
                self.unreadable.push((rank, index, p));
                Ok(())
            }
        }
    }

    /// The header, or every problem: the format and its version first (each alone), then
    /// missing fields, then each array's problems in `RECORD_TYPES` order, whatever order the
    /// document had.
    fn outcome(mut self) -> Outcome {
        let whole = |key: &'static str| Problem::new(At::Document, key);
        let format = self.format.as_ref().and_then(Value::as_str).unwrap_or("-");
        if format != FORMAT {
            return Err(vec![whole("exchange.p_not_export").with("found", format)]);
        }
        if self.format_version.as_ref().and_then(Value::as_i64) != Some(FORMAT_VERSION) {
            let found = self
                .format_version
                .as_ref()
                .map_or("-".into(), Value::to_string);
            return Err(vec![
                whole("exchange.p_format_version")
                    .with("found", found)
                    .with("known", FORMAT_VERSION.to_string()),
            ]);
        }
        let mut problems = Vec::new();
        let mut text = |name: &'static str, value: Option<Value>| match value {
            Some(Value::String(s)) => s,
            _ => {
                problems.push(whole("exchange.p_missing").with("field", name));
                String::new()
            }
        };
        let exported_at = text("exported_at", self.exported_at.take());
        let exported_by = text("exported_by", self.exported_by.take());
        let schema_version = self.schema_version.as_ref().and_then(Value::as_i64);
        if schema_version.is_none() {
            problems.push(whole("exchange.p_missing").with("field", "schema_version"));
        }
        self.unreadable
            .sort_by_key(|(rank, index, _)| (*rank, *index));
        let mut unreadable = self.unreadable.into_iter().peekable();
        for (rank, record_type) in RECORD_TYPES.iter().enumerate() {
            if !self.arrays[rank] {
                problems.push(whole("exchange.p_missing").with("field", *record_type));
            }
            while let Some((_, _, p)) = unreadable.next_if(|(r, _, _)| *r == rank) {
                problems.push(p);
            }
        }
        if problems.is_empty() {
            Ok(Header {
                schema_version: schema_version.unwrap_or(0),
                exported_at,
                exported_by,
            })
        } else {
            Err(problems)
        }
    }
}

/// Values that are neither an object nor an array: what the visitors below answer to them.
macro_rules! scalars {
    ($answer:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($answer)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($answer)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($answer)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($answer)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($answer)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($answer)
        }
    };
}

/// The top of the document: an object whose fields are read as they come.
struct Root<'r, 's, 'a>(&'r mut Reader<'s, 'a>);

impl<'de> DeserializeSeed<'de> for Root<'_, '_, '_> {
    type Value = Shape;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Shape, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Root<'_, '_, '_> {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a MarketDesk export document")
    }

    scalars!(Shape::Other);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Shape::Other)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        let r = self.0;
        while let Some(key) = map.next_key::<String>()? {
            if let Some(rank) = RECORD_TYPES.iter().position(|t| *t == key) {
                // As in a JSON object read whole, a field named twice counts as its last.
                r.arrays[rank] = map.next_value_seed(Array {
                    reader: &mut *r,
                    rank,
                })?;
                continue;
            }
            let slot = match key.as_str() {
                "format" => &mut r.format,
                "format_version" => &mut r.format_version,
                "schema_version" => &mut r.schema_version,
                "exported_at" => &mut r.exported_at,
                "exported_by" => &mut r.exported_by,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = Some(map.next_value()?);
        }
        Ok(Shape::Object)
    }
}

/// One record array: each element handed on as it is read. Answers whether it was an array.
struct Array<'r, 's, 'a> {
    reader: &'r mut Reader<'s, 'a>,
    rank: usize,
}

impl<'de> DeserializeSeed<'de> for Array<'_, '_, '_> {
    type Value = bool;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Array<'_, '_, '_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of records")
    }

    scalars!(false);

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(false)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
        let mut index = 0;
        while let Some(item) = seq.next_element::<Value>()? {
            if let Err(e) = self.reader.record(self.rank, index, item) {
                let text = e.to_string();
                self.reader.stopped = Some(e);
                return Err(de::Error::custom(text));
            }
            index += 1;
        }
        Ok(true)
    }
}

/// Passes the bytes through, checking that they are UTF-8 as a whole-file check would, with
/// the same words and the index counted from the start of the file. A sequence cut by the end
/// of one read is completed by the next. The first error stops the reading.
struct Utf8Check<R> {
    inner: R,
    /// The start of a character whose rest has not been read yet.
    carry: Vec<u8>,
    /// How many bytes before `carry` are known to be UTF-8.
    offset: usize,
    error: Option<String>,
}

impl<R> Utf8Check<R> {
    fn new(inner: R) -> Self {
        Utf8Check {
            inner,
            carry: Vec::new(),
            offset: 0,
            error: None,
        }
    }

    fn stop(&mut self, detail: String) -> io::Error {
        let e = io::Error::new(io::ErrorKind::InvalidData, detail.clone());
        self.error = Some(detail);
        e
    }

    /// Checks `bytes`, which follow everything checked so far.
    fn check(&mut self, bytes: &[u8]) -> io::Result<()> {
        match std::str::from_utf8(bytes) {
            Ok(_) => {
                self.offset += bytes.len();
                self.carry.clear();
                Ok(())
            }
            Err(e) => match e.error_len() {
                None => {
                    self.offset += e.valid_up_to();
                    self.carry = bytes[e.valid_up_to()..].to_vec();
                    Ok(())
                }
                Some(len) => {
                    let at = self.offset + e.valid_up_to();
                    Err(self.stop(format!(
                        "invalid utf-8 sequence of {len} bytes from index {at}"
                    )))
                }
            },
        }
    }
}

impl<R: Read> Read for Utf8Check<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(detail) = &self.error {
            return Err(io::Error::new(io::ErrorKind::InvalidData, detail.clone()));
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            if !self.carry.is_empty() {
                let at = self.offset;
                return Err(self.stop(format!("incomplete utf-8 byte sequence from index {at}")));
            }
            return Ok(0);
        }
        if self.carry.is_empty() {
            self.check(&buf[..n])?;
        } else {
            let mut joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(&buf[..n]);
            self.check(&joined)?;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `bytes` in pieces of `step`, as a file is read.
    struct Pieces<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Pieces<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    fn utf8_error(bytes: &[u8], step: usize) -> Option<String> {
        let mut check = Utf8Check::new(Pieces { bytes, step });
        let _ = io::copy(&mut check, &mut io::sink());
        check.error
    }

    #[test]
    fn utf8_is_checked_across_reads_in_the_words_of_a_whole_check() {
        let mut emoji_then_bad = "一二三四\u{1F600}".as_bytes().to_vec();
        emoji_then_bad.push(0xff);
        let cases: [&[u8]; 5] = [
            "王偉 and 李娜".as_bytes(),
            b"ok \xff rest",
            "王".as_bytes().split_at(2).0,
            b"ab\xe2\x28\xa1",
            &emoji_then_bad,
        ];
        for bytes in cases {
            let whole = std::str::from_utf8(bytes).err().map(|e| e.to_string());
            for step in 1..=7 {
                assert_eq!(
                    utf8_error(bytes, step),
                    whole,
                    "{bytes:?} in pieces of {step}"
                );
            }
        }
        let mut bad = "好".repeat(5000).into_bytes();
        bad.push(0xc0);
        let whole = std::str::from_utf8(&bad).err().map(|e| e.to_string());
        assert_eq!(utf8_error(&bad, 8192), whole);
    }

    #[test]
    fn records_arrive_in_the_documents_order_and_problems_in_the_types_order() {
        let text = r#"{"follow_ups": [1], "audit_log": [], "customers": [{"id": 2}],
            "format": "marketdesk-export", "format_version": 1, "schema_version": 1,
            "exported_at": "t", "exported_by": "x", "employees": [], "purchases": []}"#;
        let mut seen = 0;
        let out = read(text.as_bytes(), &mut |_, _| {
            seen += 1;
            Ok(())
        });
        let Ok(Err(problems)) = out else {
            panic!("accepted unreadable records");
        };
        assert_eq!(seen, 0);
        let places: Vec<At> = problems.into_iter().map(|p| p.at).collect();
        assert_eq!(
            places,
            [
                At::Record {
                    record_type: "customers",
                    index: 0
                },
                At::Record {
                    record_type: "follow_ups",
                    index: 0
                },
                At::Document,
            ]
        );
    }
}
