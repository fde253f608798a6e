//! [`OrganizationRegistry`]: how another domain creates and reads
//! organizations, inside its own transaction where the two must change
//! together (a signup creates an organization and its first admin at once).

use crate::OrgRecord;
use crate::store::{self, Claim, CreateOrgError, NewOrganization};
use async_trait::async_trait;
use p2p_kernel::DomainError;
use p2p_kernel::ids::OrgId;
use p2p_kernel::persistence::db_error;
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use time::OffsetDateTime;

/// The organizations as another domain (identity) sees them. The `_in`
/// methods run in the caller's transaction, so what they write or lock
/// commits or rolls back with the caller's own rows.
#[async_trait]
pub trait OrganizationRegistry: Send + Sync + 'static {
    /// Inserts an organization in `txn`, claiming its domain when `new.claim`
    /// (not for a public provider's); [`CreateOrgError::DomainTaken`] when
    /// another organization claimed it (decided by a unique index).
    async fn create_in(
        &self,
        txn: &DatabaseTransaction,
        new: NewOrganization,
        now: OffsetDateTime,
    ) -> Result<OrgRecord, CreateOrgError>;

    /// The organization that claimed `domain` (compared lower-cased), read in
    /// `txn`; none for a public provider's domain.
    async fn find_claimer_in(
        &self,
        txn: &DatabaseTransaction,
        domain: &str,
    ) -> Result<Option<OrgRecord>, DomainError>;

    /// Claims the organization's domain in `txn` when `domain` (that of an
    /// address its admin just verified) is it, unless another organization
    /// claimed it first or it is a public provider's; a lost race leaves
    /// `txn` usable.
    async fn claim_domain_in(
        &self,
        txn: &DatabaseTransaction,
        id: OrgId,
        domain: &str,
    ) -> Result<Claim, DomainError>;

    /// Gives up the organization's claim on its domain in `txn` (its last
    /// active member left), so that the company can sign up again.
    async fn release_domain_in(
        &self,
        txn: &DatabaseTransaction,
        id: OrgId,
    ) -> Result<(), DomainError>;

    /// Serializes membership changes of one organization for the rest of
    /// `txn` (a row lock on PostgreSQL, the write lock on SQLite), so that
    /// rules such as "at least one active admin" are checked and changed
    /// atomically. False when the organization does not exist.
    async fn lock_in(&self, txn: &DatabaseTransaction, id: OrgId) -> Result<bool, DomainError>;

    /// One organization, if it exists.
    async fn find(&self, id: OrgId) -> Result<Option<OrgRecord>, DomainError>;

    /// The organizations among `ids` that exist, in no particular order.
    async fn find_many(&self, ids: &[OrgId]) -> Result<Vec<OrgRecord>, DomainError>;
}

/// [`OrganizationRegistry`] over this crate's `organizations` table.
#[derive(Clone)]
pub struct OrganizationTable {
    db: DatabaseConnection,
}

impl OrganizationTable {
    pub fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

#[async_trait]
impl OrganizationRegistry for OrganizationTable {
    async fn create_in(
        &self,
        txn: &DatabaseTransaction,
        new: NewOrganization,
        now: OffsetDateTime,
    ) -> Result<OrgRecord, CreateOrgError> {
        store::create(txn, new, now).await
    }

    async fn find_claimer_in(
        &self,
        txn: &DatabaseTransaction,
        domain: &str,
    ) -> Result<Option<OrgRecord>, DomainError> {
        store::find_claimer(txn, domain).await.map_err(db_error)
    }

    async fn claim_domain_in(
        &self,
        txn: &DatabaseTransaction,
        id: OrgId,
        domain: &str,
    ) -> Result<Claim, DomainError> {
        let savepoint = txn.begin().await.map_err(db_error)?;
        let claim = store::claim(&savepoint, id, domain).await.map_err(db_error);
        match claim {
            Ok(c @ (Claim::Claimed | Claim::AlreadyClaimed)) => {
                savepoint.commit().await.map_err(db_error)?;
                Ok(c)
            }
            other => {
                savepoint.rollback().await.map_err(db_error)?;
                other
            }
        }
    }

    async fn release_domain_in(
        &self,
        txn: &DatabaseTransaction,
        id: OrgId,
    ) -> Result<(), DomainError> {
        store::release(txn, id).await.map_err(db_error)
    }

    async fn lock_in(&self, txn: &DatabaseTransaction, id: OrgId) -> Result<bool, DomainError> {
        store::lock(txn, id).await.map_err(db_error)
    }

    async fn find(&self, id: OrgId) -> Result<Option<OrgRecord>, DomainError> {
        store::find(&self.db, id).await.map_err(db_error)
    }

    async fn find_many(&self, ids: &[OrgId]) -> Result<Vec<OrgRecord>, DomainError> {
        store::find_many(&self.db, ids).await.map_err(db_error)
    }
}
