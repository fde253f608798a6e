//! The domain-claims migration on existing data: organizations whose admin
//! verified their address keep their domain; the others become unclaimed.

use p2p_migration::{Migrator, MigratorTrait};
use p2p_testkit::on_both;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use time::OffsetDateTime;
use uuid::Uuid;

on_both!(existing_organizations_with_a_verified_admin_stay_claimed);

const CLAIMS: &str = "m20261207_000021_domain_claims";

/// An organization of `domain` and its admin, verified or not, as rows
/// written before the migration.
async fn old_organization(db: &DatabaseConnection, domain: &str, verified: bool) -> Uuid {
    let (org, now) = (Uuid::now_v7(), OffsetDateTime::now_utc());
    let insert = Query::insert()
        .into_table(Alias::new("organizations"))
        .columns(
            [
                "id",
                "name",
                "domain",
                "is_active",
                "created_at",
                "updated_at",
            ]
            .map(Alias::new),
        )
        .values_panic([
            org.into(),
            domain.into(),
            domain.into(),
            true.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    db.execute(&insert).await.unwrap();
    let columns = [
        "id",
        "organization_id",
        "email",
        "password_hash",
        "first_name",
        "last_name",
        "handle",
        "role",
        "is_superuser",
        "is_active",
        "email_verified_at",
        "security_stamp",
        "created_at",
        "updated_at",
    ];
    let verified_at = verified.then_some(now);
    let user = Query::insert()
        .into_table(Alias::new("users"))
        .columns(columns.map(Alias::new))
        .values_panic([
            Uuid::now_v7().into(),
            org.into(),
            format!("admin-{org}@{domain}").into(),
            "x".into(),
            "A".into(),
            "B".into(),
            "a.b".into(),
            "admin".into(),
            false.into(),
            true.into(),
            verified_at.into(),
            "stamp".into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    db.execute(&user).await.unwrap();
    org
}

async fn claimed_domain(db: &DatabaseConnection, org: Uuid) -> Option<String> {
    let select = Query::select()
        .column(Alias::new("claimed_domain"))
        .from(Alias::new("organizations"))
        .and_where(Expr::col(Alias::new("id")).eq(org))
        .to_owned();
    let row = db.query_one(&select).await.unwrap().unwrap();
    row.try_get::<Option<String>>("", "claimed_domain").unwrap()
}

async fn existing_organizations_with_a_verified_admin_stay_claimed(db: DatabaseConnection) {
    let names: Vec<String> = Migrator::migrations()
        .iter()
        .map(|m| m.name().to_owned())
        .collect();
    let position = names.iter().position(|n| n == CLAIMS).unwrap();
    let later = u32::try_from(names.len() - position).unwrap();
    Migrator::down(&db, Some(later)).await.unwrap();

    let verified = old_organization(&db, "verified.example", true).await;
    let unverified = old_organization(&db, "pending.example", false).await;
    Migrator::up(&db, None).await.unwrap();

    assert_eq!(
        claimed_domain(&db, verified).await.as_deref(),
        Some("verified.example")
    );
    assert_eq!(claimed_domain(&db, unverified).await, None);
    // The unclaimed domain is open to another organization now.
    old_organization(&db, "pending.example", false).await;
}
