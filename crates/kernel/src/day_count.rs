//! Counts per UTC day, one shape from the stores to the API: the forum's
//! topics and posts per `created_day`, use cases published per day, an
//! organization's activity. A day a store gives back that is not a date is
//! corrupt data (an error), never silently left out.

use crate::error::DomainError;
use crate::persistence::stored;
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error};
use std::collections::BTreeMap;
use std::fmt::Display;
use time::Date;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use utoipa::ToSchema;

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

const KEY: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// Number of items created on one UTC day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = DailyActivity)]
pub struct DayCount {
    /// `YYYY-MM-DD`.
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "serialize_day", deserialize_with = "deserialize_day")]
    pub date: Date,
    pub count: u64,
}

/// `YYYY-MM-DD` of a UTC day: how stores keep a day (it sorts like the dates it names).
pub fn day_key(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The date of a `YYYY-MM-DD` key, `None` when it is not one.
pub fn parse_day_key(key: &str) -> Option<Date> {
    Date::parse(key, KEY).ok()
}

impl DayCount {
    /// A count read back from storage under a `YYYY-MM-DD` key; a key that
    /// is not a date or a count out of range is corrupt data naming `what`.
    pub fn from_key<C>(what: &str, key: &str, count: C) -> Result<Self, DomainError>
    where
        u64: TryFrom<C>,
        C: Copy + Display,
    {
        let date = parse_day_key(key)
            .ok_or_else(|| DomainError::corrupt(what, format_args!("day {key:?}")))?;
        Ok(Self {
            date,
            count: stored(what, count)?,
        })
    }

    /// A count read back from storage under a day number (days since
    /// 1970-01-01); a day out of the calendar's range is corrupt data.
    pub fn from_epoch_day<C>(what: &str, day: i64, count: C) -> Result<Self, DomainError>
    where
        u64: TryFrom<C>,
        C: Copy + Display,
    {
        let date = i32::try_from(day)
            .ok()
            .and_then(|d| d.checked_add(UNIX_EPOCH_JULIAN_DAY))
            .and_then(|julian| Date::from_julian_day(julian).ok())
            .ok_or_else(|| DomainError::corrupt(what, format_args!("day number {day}")))?;
        Ok(Self {
            date,
            count: stored(what, count)?,
        })
    }
}

/// The counts of each day added up, oldest day first, one entry per day.
pub fn sum_by_day(counts: impl IntoIterator<Item = DayCount>) -> Vec<DayCount> {
    let mut days: BTreeMap<Date, u64> = BTreeMap::new();
    for c in counts {
        *days.entry(c.date).or_default() += c.count;
    }
    days.into_iter()
        .map(|(date, count)| DayCount { date, count })
        .collect()
}

fn serialize_day<S: Serializer>(date: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&day_key(*date))
}

fn deserialize_day<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
    let text = String::deserialize(d)?;
    parse_day_key(&text).ok_or_else(|| D::Error::custom(format!("not a date: {text:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;
    use time::macros::date;

    #[test]
    fn keys_round_trip_and_sort_like_dates() {
        assert_eq!(day_key(date!(2026 - 03 - 07)), "2026-03-07");
        assert_eq!(parse_day_key("2026-03-07"), Some(date!(2026 - 03 - 07)));
        assert!(day_key(date!(2026 - 02 - 28)) < day_key(date!(2026 - 10 - 01)));
        assert_eq!(parse_day_key("2026-13-01"), None);
    }

    #[test]
    fn stored_days_that_are_not_dates_are_corrupt() {
        let ok = DayCount::from_key("posts per day", "2026-03-07", 4_i64);
        let day = date!(2026 - 03 - 07);
        assert_eq!(
            ok.ok(),
            Some(DayCount {
                date: day,
                count: 4
            })
        );
        for bad in ["", "07/03/2026", "2026-02-30"] {
            let e = DayCount::from_key("posts per day", bad, 1_i64).err();
            assert_eq!(e.map(|e| e.kind_of()), Some(ErrorKind::Internal), "{bad}");
        }
        assert!(DayCount::from_key("posts per day", "2026-03-07", -1_i64).is_err());
    }

    #[test]
    fn epoch_days_are_dates() {
        let d = DayCount::from_epoch_day("use cases per day", 20_519, 2_i64);
        assert_eq!(d.ok().map(|d| d.date), Some(date!(2026 - 03 - 07)));
        let epoch = DayCount::from_epoch_day("x", 0, 1_u64);
        assert_eq!(epoch.ok().map(|d| d.date), Some(date!(1970 - 01 - 01)));
        assert!(DayCount::from_epoch_day("x", i64::MAX, 1_u64).is_err());
        assert!(DayCount::from_epoch_day("x", 1, -3_i64).is_err());
    }

    #[test]
    fn sums_per_day_oldest_first() {
        let at = |date, count| DayCount { date, count };
        let summed = sum_by_day([
            at(date!(2026 - 03 - 08), 1),
            at(date!(2026 - 03 - 07), 2),
            at(date!(2026 - 03 - 08), 3),
        ]);
        assert_eq!(
            summed,
            [at(date!(2026 - 03 - 07), 2), at(date!(2026 - 03 - 08), 4)]
        );
    }

    #[test]
    fn json_shows_the_day_as_text() {
        let c = DayCount {
            date: date!(2026 - 03 - 07),
            count: 5,
        };
        let json = serde_json::to_value(c).ok();
        let expected = serde_json::json!({ "date": "2026-03-07", "count": 5 });
        assert_eq!(json.as_ref(), Some(&expected));
        assert_eq!(serde_json::from_value::<DayCount>(expected).ok(), Some(c));
    }
}
