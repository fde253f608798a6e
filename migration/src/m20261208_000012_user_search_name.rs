//! `users.search_name`: what the user list's `q` filter matches, the first
//! name, last name and email with Arabic spelling folded (so «احمد» finds
//! «أحمد»). The application writes it with `p2p_kernel::text::arabic::fold`;
//! this migration fills it for existing users with the same fold written as
//! SQL (nested `REPLACE`, the same on PostgreSQL and SQLite): alef forms,
//! alef maqsura, taa marbuta, hamza carriers, Arabic-Indic digits, and
//! tatweel and diacritics removed, then lower case (SQLite's `LOWER` only
//! folds ASCII letters; a name with other capitals is folded fully at its
//! next change).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Characters replaced, and what by (`""`: removed), as `p2p_kernel::text::arabic::fold` does.
pub(crate) fn folds() -> Vec<(char, String)> {
    let mut folds: Vec<(char, String)> = ['أ', 'إ', 'آ', 'ٱ']
        .into_iter()
        .map(|c| (c, "ا".to_owned()))
        .collect();
    folds.extend([('ى', "ي"), ('ة', "ه"), ('ؤ', "و"), ('ئ', "ي")].map(|(c, s)| (c, s.to_owned())));
    for (zero, n) in [(0x0660u32, 10u32), (0x06F0, 10)] {
        for d in 0..n {
            if let Some(c) = char::from_u32(zero + d) {
                folds.push((c, d.to_string()));
            }
        }
    }
    let dropped = [
        (0x0640u32, 0x0640u32),
        (0x064B, 0x065F),
        (0x0670, 0x0670),
        (0x0610, 0x061A),
        (0x06D6, 0x06DC),
        (0x06DF, 0x06E8),
        (0x06EA, 0x06ED),
    ];
    for (from, to) in dropped {
        folds.extend(
            (from..=to)
                .filter_map(char::from_u32)
                .map(|c| (c, String::new())),
        );
    }
    folds
}

/// The statements that apply the folds to the column `users.<column>` in
/// place, a few per statement (SQLite's parser refuses expressions nested
/// much deeper).
pub(crate) fn fold_users_column(column: &str) -> Vec<String> {
    let mut statements = Vec::new();
    for chunk in folds().chunks(12) {
        let mut expr = column.to_owned();
        for (c, to) in chunk {
            expr = format!("REPLACE({expr}, '{c}', '{to}')");
        }
        statements.push(format!("UPDATE users SET {column} = {expr}"));
    }
    statements
}

/// The statements that fill `search_name`: the names and email in lower
/// case, then the folds.
fn backfill() -> Vec<String> {
    let mut statements = vec![
        "UPDATE users SET search_name = LOWER(TRIM(first_name) || ' ' || TRIM(last_name) || ' ' || email)"
            .to_owned(),
    ];
    statements.extend(fold_users_column("search_name"));
    statements
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("ALTER TABLE users ADD COLUMN search_name TEXT NOT NULL DEFAULT ''")
            .await?;
        for statement in backfill() {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE users DROP COLUMN search_name")
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    /// The folds applied as the SQL applies them (after lower case).
    fn folded(s: &str) -> String {
        let mut out = s.to_lowercase();
        for (c, to) in super::folds() {
            out = out.replace(c, &to);
        }
        out
    }

    #[test]
    fn folds_match_the_kernel_fold() {
        assert_eq!(folded("أحمد إبراهيم آل ٱلسعود"), "احمد ابراهيم ال السعود");
        assert_eq!(folded("مُصْطَفَى الـــقحطاني"), "مصطفي القحطاني");
        assert_eq!(folded("فاطمة مؤمن بئر ماء"), "فاطمه مومن بير ماء");
        assert_eq!(
            folded("٠١٢٣٤٥٦٧٨٩ ۰۱۲۳۴۵۶۷۸۹ هٰذا"),
            "0123456789 0123456789 هذا"
        );
        assert_eq!(
            super::backfill().len(),
            1 + super::folds().len().div_ceil(12)
        );
    }
}
