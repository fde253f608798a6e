//! Arabic plural forms: how a counted noun is written after a number.

/// The forms of a counted noun in Arabic, whose grammar depends on the
/// number: one (`ساعة واحدة`), two (the dual, without a number: `ساعتين`),
/// 3–10 (the plural: `ساعات`), 11–99 (the singular: `ساعة`, `يومًا`), and
/// hundreds and zero (the singular: `ساعة`, `يوم`).
#[derive(Clone, Copy, Debug)]
pub struct ArabicNoun {
    pub one: &'static str,
    pub two: &'static str,
    pub few: &'static str,
    pub many: &'static str,
    pub hundreds: &'static str,
}

impl ArabicNoun {
    /// `count` of this noun, with its number written in digits when Arabic
    /// writes one (`3 ساعات`, `ساعتين`).
    pub fn count(&self, count: u64) -> String {
        match (count, count % 100) {
            (1, _) => self.one.to_owned(),
            (2, _) => self.two.to_owned(),
            (_, 3..=10) => format!("{count} {}", self.few),
            (_, 11..=99) => format!("{count} {}", self.many),
            _ => format!("{count} {}", self.hundreds),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arabic_counts() {
        let hours = ArabicNoun {
            one: "ساعة واحدة",
            two: "ساعتين",
            few: "ساعات",
            many: "ساعة",
            hundreds: "ساعة",
        };
        let counted: Vec<String> = [1, 2, 3, 10, 11, 48, 99, 100, 103]
            .map(|n| hours.count(n))
            .into();
        assert_eq!(
            counted,
            [
                "ساعة واحدة",
                "ساعتين",
                "3 ساعات",
                "10 ساعات",
                "11 ساعة",
                "48 ساعة",
                "99 ساعة",
                "100 ساعة",
                "103 ساعات"
            ]
        );
    }
}
