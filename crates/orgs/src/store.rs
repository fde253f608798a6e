//! Organization rows: queries that take any sea-orm connection, so that the
//! service and the [`crate::OrganizationRegistry`] can run them inside a
//! transaction.

use crate::entity::{ActiveModel, Column, Entity, Model};
use crate::public_domains::is_public_email_domain;
use p2p_kernel::ids::OrgId;
use p2p_kernel::persistence::{db_time, is_unique_violation};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use time::OffsetDateTime;

/// What is needed to create an organization.
#[derive(Clone, Debug)]
pub struct NewOrganization {
    pub name: String,
    /// The email domain of the first admin; stored lower-cased.
    pub domain: String,
    /// Claim the domain at once (the first admin's address is already
    /// verified). Never done for a public provider's domain.
    pub claim: bool,
}

/// Why an organization could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateOrgError {
    /// Another organization already claimed the domain (unique index
    /// `ux_organizations_claimed_domain`); only when creating with `claim`.
    #[error("an organization claimed this domain already")]
    DomainTaken,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The organization domain of an email address: its part after `@`, lower-cased.
pub fn email_domain(email: &str) -> Option<String> {
    email
        .trim()
        .rsplit_once('@')
        .map(|(_, domain)| domain.to_ascii_lowercase())
        .filter(|d| !d.is_empty())
}

/// Inserts an organization. Run it in a transaction together with whatever
/// must exist with it (its first user).
pub async fn create(
    conn: &impl ConnectionTrait,
    new: NewOrganization,
    now: OffsetDateTime,
) -> Result<Model, CreateOrgError> {
    let now = db_time(now);
    let domain = new.domain.trim().to_ascii_lowercase();
    let claimed_domain = (new.claim && !is_public_email_domain(&domain)).then(|| domain.clone());
    let model = Model {
        id: OrgId::new().0,
        name: new.name.trim().to_owned(),
        domain,
        claimed_domain,
        industry: None,
        size: None,
        country: None,
        city: None,
        description: None,
        website: None,
        logo_url: None,
        is_active: true,
        created_at: now,
        updated_at: now,
    };
    let row: ActiveModel = model.clone().into();
    match Entity::insert(row).exec_without_returning(conn).await {
        Ok(_) => Ok(model),
        Err(e) if is_unique_violation(&e) => Err(CreateOrgError::DomainTaken),
        Err(e) => Err(CreateOrgError::Db(e)),
    }
}

pub async fn find(conn: &impl ConnectionTrait, id: OrgId) -> Result<Option<Model>, DbErr> {
    Entity::find_by_id(id.0).one(conn).await
}

/// The organizations among `ids` that exist, in no particular order.
pub async fn find_many(conn: &impl ConnectionTrait, ids: &[OrgId]) -> Result<Vec<Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Entity::find()
        .filter(Column::Id.is_in(ids.iter().map(|id| id.0)))
        .all(conn)
        .await
}

/// The organization that claimed `domain` (compared lower-cased); none for a
/// public provider's domain, which is never claimed (an organization claimed
/// it before public domains stopped claiming does not count).
pub async fn find_claimer(
    conn: &impl ConnectionTrait,
    domain: &str,
) -> Result<Option<Model>, DbErr> {
    let domain = domain.trim().to_ascii_lowercase();
    if is_public_email_domain(&domain) {
        return Ok(None);
    }
    Entity::find()
        .filter(Column::ClaimedDomain.eq(domain))
        .one(conn)
        .await
}

/// How a claim of an organization's domain ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The organization now owns its domain.
    Claimed,
    /// It owned it already.
    AlreadyClaimed,
    /// Another organization claimed the domain first, it is a public
    /// provider's, or the address is not at the organization's domain: this
    /// organization stays unclaimed.
    Unclaimable,
    /// No such organization.
    Missing,
}

/// Claims the organization's own domain, proven by a verified address at
/// `domain` of its admin, unless another organization holds it. Run it in a savepoint: on PostgreSQL a unique violation (a concurrent
/// claim won) aborts the transaction it happens in.
pub async fn claim(conn: &impl ConnectionTrait, id: OrgId, domain: &str) -> Result<Claim, DbErr> {
    use sea_orm::sea_query::Expr;
    let Some(org) = find(conn, id).await? else {
        return Ok(Claim::Missing);
    };
    if org.claimed_domain.is_some() {
        return Ok(Claim::AlreadyClaimed);
    }
    let proven = org.domain == domain.trim().to_ascii_lowercase();
    if !proven
        || is_public_email_domain(&org.domain)
        || find_claimer(conn, &org.domain).await?.is_some()
    {
        return Ok(Claim::Unclaimable);
    }
    let res = Entity::update_many()
        .col_expr(Column::ClaimedDomain, Expr::value(Some(org.domain)))
        .filter(Column::Id.eq(id.0))
        .filter(Column::ClaimedDomain.is_null())
        .exec(conn)
        .await;
    match res {
        Ok(res) if res.rows_affected == 1 => Ok(Claim::Claimed),
        Ok(_) => Ok(Claim::AlreadyClaimed),
        Err(e) if is_unique_violation(&e) => Ok(Claim::Unclaimable),
        Err(e) => Err(e),
    }
}

/// Serializes membership changes of one organization for the rest of the
/// caller's transaction, so that invariants such as "at least one active admin"
/// can be checked and changed atomically. It is a no-op write of the
/// organization row: a row lock on PostgreSQL, the database write lock on
/// SQLite (taken up front, so concurrent writers wait instead of failing).
/// Returns false when the organization does not exist.
pub async fn lock(conn: &impl ConnectionTrait, id: OrgId) -> Result<bool, DbErr> {
    use sea_orm::sea_query::Expr;
    let res = Entity::update_many()
        .col_expr(Column::Id, Expr::col(Column::Id))
        .filter(Column::Id.eq(id.0))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// Gives up the organization's claim on its domain (it has no active member
/// left); another organization may claim it then.
pub async fn release(conn: &impl ConnectionTrait, id: OrgId) -> Result<(), DbErr> {
    use sea_orm::sea_query::Expr;
    Entity::update_many()
        .col_expr(Column::ClaimedDomain, Expr::value(Option::<String>::None))
        .filter(Column::Id.eq(id.0))
        .exec(conn)
        .await
        .map(|_| ())
}

/// Writes back a changed organization.
pub(crate) async fn save(conn: &impl ConnectionTrait, model: Model) -> Result<Model, DbErr> {
    let mut row: ActiveModel = model.clone().into();
    row.name = Set(model.name.clone());
    row.industry = Set(model.industry.clone());
    row.size = Set(model.size.clone());
    row.country = Set(model.country.clone());
    row.city = Set(model.city.clone());
    row.description = Set(model.description.clone());
    row.website = Set(model.website.clone());
    row.logo_url = Set(model.logo_url.clone());
    row.updated_at = Set(db_time(model.updated_at));
    Entity::update(row).exec(conn).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_of_emails() {
        assert_eq!(
            email_domain("Ann@Acme.Example.COM"),
            Some("acme.example.com".into())
        );
        assert_eq!(email_domain("nobody"), None);
        assert_eq!(email_domain("x@"), None);
    }
}
