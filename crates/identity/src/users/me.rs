use crate::entity::user::{self, Column};
use crate::service::clip;
use crate::types::{ProfilePatch, UserProfile};
use crate::views::profile;
use crate::{Identity, repo, rules};
use p2p_kernel::FieldCode;
use p2p_kernel::persistence::db_error;
use p2p_kernel::ports::handle_key;
use p2p_kernel::validate::Validator;
use p2p_kernel::{Actor, DomainError, Locale};
use uuid::Uuid;

fn optional(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

fn validate(patch: &ProfilePatch) -> Result<(), DomainError> {
    let mut v = Validator::new();
    if let Some(first) = &patch.first_name {
        v.text("first_name", first, rules::NAME);
    }
    if let Some(last) = &patch.last_name {
        v.text("last_name", last, rules::NAME);
    }
    v.optional_text("job_title", patch.job_title.as_deref(), rules::JOB_TITLE);
    v.optional_text("bio", patch.bio.as_deref(), rules::BIO);
    if let Some(phone) = patch.phone.as_deref() {
        v.optional_length("phone", Some(phone), rules::PHONE_MAX);
        v.check(
            phone
                .trim()
                .chars()
                .all(|c| c.is_ascii_digit() || rules::PHONE_SIGNS.contains(c)),
            "phone",
            FieldCode::InvalidPhone,
            "may contain only digits, spaces and + - ( ) .",
        );
    }
    if let Some(locale) = &patch.locale {
        v.check(
            Locale::ALL.iter().any(|l| l.as_str() == locale),
            "locale",
            FieldCode::NotSupported,
            "must be `ar` or `en`",
        );
    }
    v.finish()
}

impl Identity {
    pub(crate) async fn me(&self, actor: &Actor) -> Result<UserProfile, DomainError> {
        Ok(profile(&self.current_user(actor).await?))
    }

    pub(crate) async fn update_me(
        &self,
        actor: &Actor,
        patch: ProfilePatch,
    ) -> Result<UserProfile, DomainError> {
        validate(&patch)?;
        let mut user = self.current_user(actor).await?;
        let mut changes: Vec<(Column, sea_orm::Value)> = Vec::new();
        if patch.first_name.is_some() || patch.last_name.is_some() {
            if let Some(first) = patch.first_name {
                user.first_name = first.trim().to_owned();
            }
            if let Some(last) = patch.last_name {
                user.last_name = last.trim().to_owned();
            }
            user.handle = repo::handle_of(&user.first_name, &user.last_name);
            user.handle_key = handle_key(&user.handle);
            user.search_name = repo::search_name_of(&user.first_name, &user.last_name, &user.email);
            changes.push((Column::FirstName, user.first_name.clone().into()));
            changes.push((Column::LastName, user.last_name.clone().into()));
            changes.push((Column::Handle, user.handle.clone().into()));
            changes.push((Column::HandleKey, user.handle_key.clone().into()));
            changes.push((Column::SearchName, user.search_name.clone().into()));
        }
        if let Some(v) = patch.job_title {
            user.job_title = optional(&v);
            changes.push((Column::JobTitle, user.job_title.clone().into()));
        }
        if let Some(v) = patch.bio {
            user.bio = optional(&v);
            changes.push((Column::Bio, user.bio.clone().into()));
        }
        if let Some(v) = patch.phone {
            user.phone = optional(&v);
            changes.push((Column::Phone, user.phone.clone().into()));
        }
        if let Some(locale) = patch.locale {
            user.locale = locale;
            changes.push((Column::Locale, user.locale.clone().into()));
        }
        if changes.is_empty() {
            return Ok(profile(&user));
        }
        self.save_profile(user, changes).await
    }

    pub(crate) async fn set_avatar(
        &self,
        actor: &Actor,
        avatar_url: String,
        file_id: Option<Uuid>,
    ) -> Result<UserProfile, DomainError> {
        let url = clip(Some(&avatar_url), usize::MAX).unwrap_or_default();
        let mut v = Validator::new();
        v.length("avatar_url", &url, 1, 2048);
        v.finish()?;
        let mut user = self.current_user(actor).await?;
        let replaced = user.avatar_file_id.filter(|old| Some(*old) != file_id);
        user.avatar_url = Some(url);
        user.avatar_file_id = file_id;
        let changes = vec![
            (Column::AvatarUrl, user.avatar_url.clone().into()),
            (Column::AvatarFileId, user.avatar_file_id.into()),
        ];
        let view = self.save_profile(user, changes).await?;
        // The earlier picture goes: only the profile's own stays stored.
        if let (Some(old), Some(files)) = (replaced, &self.inner.config.personal_files)
            && let Err(e) = files.delete_avatar(actor.user_id, old).await
        {
            tracing::warn!(error = %e, user_id = %actor.user_id, "replaced avatar not deleted");
        }
        Ok(view)
    }

    /// Writes `changes` of the caller's own profile with a new `updated_at`
    /// and tells the user's channel.
    async fn save_profile(
        &self,
        mut user: user::Model,
        mut changes: Vec<(Column, sea_orm::Value)>,
    ) -> Result<UserProfile, DomainError> {
        user.updated_at = self.now();
        changes.push((Column::UpdatedAt, user.updated_at.into()));
        repo::set(self.db(), user.id, changes)
            .await
            .map_err(db_error)?;
        let view = profile(&user);
        self.publish_user_updated(&view).await;
        Ok(view)
    }

    async fn publish_user_updated(&self, view: &UserProfile) {
        self.publish(
            format!("user:{}", view.id),
            "user.updated",
            serde_json::json!({
                "user_id": view.id,
                "first_name": view.first_name,
                "last_name": view.last_name,
                "job_title": view.job_title,
                "avatar_url": view.avatar_url,
            }),
        )
        .await;
    }
}
