//! JSON read as the OpenAPI document describes it: an object where the
//! schema is an object.
//!
//! serde's derived `Deserialize` also builds a struct from a JSON array of its
//! field values (`[\"title\", \"body\"]` for `{title, body}`), which no schema
//! of the document allows. [`Strict`] deserializes from a parsed
//! [`serde_json::Value`] like `serde_json` does, except that a struct (at any
//! depth) must be a JSON object: anything else is an `invalid type` error,
//! which the extractor answers with 422 naming the field.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Unexpected, Visitor};
use serde_json::{Error, Map, Value};

/// A parsed JSON value to deserialize, structs only from objects.
pub struct Strict(pub Value);

impl<'de> Deserializer<'de> for Strict {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            Value::Object(fields) => visitor.visit_map(Fields::new(fields)),
            // JSON Schema's `integer` takes `302.0`: a whole number written
            // with a fraction is read as the integer it is.
            Value::Number(n) => match whole(&n) {
                Some(Whole::Unsigned(u)) => visitor.visit_u64(u),
                Some(Whole::Signed(i)) => visitor.visit_i64(i),
                None => Value::Number(n).deserialize_any(visitor),
            },
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(fields) => visitor.visit_map(Fields::new(fields)),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.0.deserialize_bytes(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.0.deserialize_byte_buf(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        unit unit_struct seq tuple tuple_struct map identifier ignored_any
    }
}

enum Whole {
    Unsigned(u64),
    Signed(i64),
}

/// A number written with a fraction (`302.0`) that is a whole number within
/// the 64-bit integers; `None` for integers as written and real fractions.
fn whole(n: &serde_json::Number) -> Option<Whole> {
    let f = n.as_f64().filter(|_| n.is_f64())?;
    if f.fract() != 0.0 {
        return None;
    }
    // 2^64 and -2^63 are exact as f64; the casts below are then exact.
    if (0.0..18_446_744_073_709_551_616.0).contains(&f) {
        Some(Whole::Unsigned(f as u64))
    } else if (-9_223_372_036_854_775_808.0..0.0).contains(&f) {
        Some(Whole::Signed(f as i64))
    } else {
        None
    }
}

/// What a value is, for an `invalid type` message.
fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

struct Items(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Items {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|item| seed.deserialize(Strict(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Fields {
    fields: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl Fields {
    fn new(fields: Map<String, Value>) -> Self {
        Self {
            fields: fields.into_iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Fields {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((key, value)) = self.fields.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(Value::String(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        let value = self
            .value
            .take()
            .ok_or_else(|| <Error as de::Error>::custom("a value without its key"))?;
        seed.deserialize(Strict(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len())
    }
}

#[cfg(test)]
mod tests {
    use super::Strict;
    use serde::Deserialize;
    use std::collections::BTreeMap;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        title: String,
        inner: Option<Inner>,
        list: Option<Vec<Inner>>,
        map: Option<BTreeMap<String, u8>>,
        kind: Option<Kind>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        n: u8,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        Small,
    }

    fn read(json: &str) -> Result<Outer, serde_json::Error> {
        let value: serde_json::Value = serde_json::from_str(json)?;
        Outer::deserialize(Strict(value))
    }

    #[test]
    fn objects_read_like_serde_json() {
        let outer = read(
            r#"{"title": "t", "inner": {"n": 3}, "list": [{"n": 1}], "map": {"a": 2}, "kind": "small", "extra": [1]}"#,
        );
        assert_eq!(
            outer.ok(),
            Some(Outer {
                title: "t".into(),
                inner: Some(Inner { n: 3 }),
                list: Some(vec![Inner { n: 1 }]),
                map: Some(BTreeMap::from([("a".into(), 2)])),
                kind: Some(Kind::Small),
            })
        );
        assert!(read(r#"{"title": "t", "inner": null}"#).is_ok());
        assert!(read(r#"{"title": "t", "inner": {"n": 300}}"#).is_err());
        assert!(read(r#"{"title": "t", "kind": "large"}"#).is_err());
    }

    #[test]
    fn whole_numbers_with_a_fraction_are_integers() {
        let read = |json: &str| {
            let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
            <(u64, i32, f64)>::deserialize(Strict(value)).ok()
        };
        assert_eq!(read("[302.0, -4.0, 2.0]"), Some((302, -4, 2.0)));
        assert_eq!(read("[302.5, -4, 2.5]"), None);
        assert_eq!(read("[1e300, -4, 2.5]"), None);
        assert_eq!(read("[3, -4, 2.5]"), Some((3, -4, 2.5)));
    }

    #[test]
    fn a_struct_is_never_an_array() {
        assert!(read(r#"["t", null, null, null, null]"#).is_err());
        assert!(read(r#"{"title": "t", "inner": [3]}"#).is_err());
        assert!(read(r#"{"title": "t", "list": [[1]]}"#).is_err());
        assert!(read(r#""t""#).is_err());
        assert!(read("null").is_err());
    }
}
