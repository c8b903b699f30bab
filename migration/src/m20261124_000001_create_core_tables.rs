//! Organisations, contacts, resources, events, actions and experience reports.

use sea_orm_migration::{prelude::*, schema::*};

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Organisations {
    Table,
    Id,
    Slug,
    Name,
    Kind,
    Region,
    Departement,
    City,
    Website,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Contacts {
    Table,
    Id,
    OrganisationId,
    FirstName,
    LastName,
    JobTitle,
    Email,
    Phone,
    Region,
    City,
    Audiences,
    Tags,
    Notes,
    Visibility,
    ConsentAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Resources {
    Table,
    Id,
    OrganisationId,
    Kind,
    Title,
    Content,
    Description,
    Url,
    Author,
    FreeOfRights,
    Licence,
    Language,
    Audiences,
    Tags,
    Visibility,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Events {
    Table,
    Id,
    Title,
    Description,
    LocationName,
    Address,
    PostalCode,
    City,
    Departement,
    Region,
    Latitude,
    Longitude,
    StartsAt,
    EndsAt,
    AllDay,
    Timezone,
    OpenToPublic,
    Url,
    Author,
    OrganiserId,
    OrganiserName,
    Audiences,
    Tags,
    Status,
    Visibility,
    FeedId,
    SourceUid,
    SourceUrl,
    LastSeenAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Actions {
    Table,
    Id,
    OrganisationId,
    Title,
    Summary,
    Findings,
    Objectives,
    Achievements,
    Stakeholders,
    Obstacles,
    Indicators,
    Feedback,
    Region,
    Status,
    Priority,
    Audiences,
    Tags,
    PeopleReached,
    Visibility,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ExperienceReports {
    Table,
    Id,
    ActionId,
    EventId,
    Author,
    Text,
    Rating,
    PeopleReached,
    ReportedOn,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organisations::Table)
                    .col(uuid(Organisations::Id).primary_key())
                    .col(string_len_uniq(Organisations::Slug, 64))
                    .col(string_len(Organisations::Name, 200))
                    .col(string_len(Organisations::Kind, 32))
                    .col(string_len_null(Organisations::Region, 32))
                    .col(string_len_null(Organisations::Departement, 3))
                    .col(string_len_null(Organisations::City, 200))
                    .col(text_null(Organisations::Website))
                    .col(text_null(Organisations::Description))
                    .col(timestamp_with_time_zone(Organisations::CreatedAt))
                    .col(timestamp_with_time_zone(Organisations::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        use Organisations as O;
        for (name, cols) in [
            ("idx_organisations_name", vec![O::Name, O::Id]),
            ("idx_organisations_created", vec![O::CreatedAt, O::Id]),
            ("idx_organisations_kind", vec![O::Kind]),
            ("idx_organisations_region", vec![O::Region]),
        ] {
            manager.create_index(index(name, O::Table, &cols)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(uuid(Contacts::Id).primary_key())
                    .col(uuid_null(Contacts::OrganisationId))
                    .col(string_len(Contacts::FirstName, 100))
                    .col(string_len(Contacts::LastName, 100))
                    .col(string_len_null(Contacts::JobTitle, 200))
                    .col(string_len_null(Contacts::Email, 254))
                    .col(string_len_null(Contacts::Phone, 32))
                    .col(string_len_null(Contacts::Region, 32))
                    .col(string_len_null(Contacts::City, 200))
                    .col(json_binary(Contacts::Audiences))
                    .col(json_binary(Contacts::Tags))
                    .col(text_null(Contacts::Notes))
                    .col(string_len(Contacts::Visibility, 32))
                    .col(timestamp_with_time_zone_null(Contacts::ConsentAt))
                    .col(timestamp_with_time_zone(Contacts::CreatedAt))
                    .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_contacts_organisation")
                            .from(Contacts::Table, Contacts::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        use Contacts as C;
        for (name, cols) in [
            ("idx_contacts_name", vec![C::LastName, C::Id]),
            ("idx_contacts_created", vec![C::CreatedAt, C::Id]),
            ("idx_contacts_organisation", vec![C::OrganisationId, C::LastName, C::Id]),
            ("idx_contacts_region", vec![C::Region]),
            ("idx_contacts_email", vec![C::Email]),
        ] {
            manager.create_index(index(name, C::Table, &cols)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Resources::Table)
                    .col(uuid(Resources::Id).primary_key())
                    .col(uuid_null(Resources::OrganisationId))
                    .col(string_len(Resources::Kind, 32))
                    .col(string_len(Resources::Title, 200))
                    .col(text_null(Resources::Content))
                    .col(text_null(Resources::Description))
                    .col(text_null(Resources::Url))
                    .col(string_len_null(Resources::Author, 200))
                    .col(boolean(Resources::FreeOfRights))
                    .col(string_len_null(Resources::Licence, 100))
                    .col(string_len(Resources::Language, 8))
                    .col(json_binary(Resources::Audiences))
                    .col(json_binary(Resources::Tags))
                    .col(string_len(Resources::Visibility, 32))
                    .col(timestamp_with_time_zone(Resources::CreatedAt))
                    .col(timestamp_with_time_zone(Resources::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_resources_organisation")
                            .from(Resources::Table, Resources::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        use Resources as R;
        for (name, cols) in [
            ("idx_resources_title", vec![R::Title, R::Id]),
            ("idx_resources_created", vec![R::CreatedAt, R::Id]),
            ("idx_resources_updated", vec![R::UpdatedAt, R::Id]),
            (
                "idx_resources_organisation",
                vec![R::OrganisationId, R::CreatedAt, R::Id],
            ),
            ("idx_resources_kind", vec![R::Kind]),
        ] {
            manager.create_index(index(name, R::Table, &cols)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(uuid(Events::Id).primary_key())
                    .col(string_len(Events::Title, 200))
                    .col(text_null(Events::Description))
                    .col(string_len_null(Events::LocationName, 200))
                    .col(string_len_null(Events::Address, 300))
                    .col(string_len_null(Events::PostalCode, 10))
                    .col(string_len_null(Events::City, 200))
                    .col(string_len_null(Events::Departement, 3))
                    .col(string_len_null(Events::Region, 32))
                    .col(double_null(Events::Latitude))
                    .col(double_null(Events::Longitude))
                    .col(timestamp_with_time_zone(Events::StartsAt))
                    .col(timestamp_with_time_zone_null(Events::EndsAt))
                    .col(boolean(Events::AllDay))
                    .col(string_len(Events::Timezone, 64))
                    .col(boolean(Events::OpenToPublic))
                    .col(text_null(Events::Url))
                    .col(string_len_null(Events::Author, 200))
                    .col(uuid_null(Events::OrganiserId))
                    .col(string_len_null(Events::OrganiserName, 200))
                    .col(json_binary(Events::Audiences))
                    .col(json_binary(Events::Tags))
                    .col(string_len(Events::Status, 32))
                    .col(string_len(Events::Visibility, 32))
                    .col(uuid_null(Events::FeedId))
                    .col(string_len_null(Events::SourceUid, 512))
                    .col(text_null(Events::SourceUrl))
                    .col(timestamp_with_time_zone_null(Events::LastSeenAt))
                    .col(timestamp_with_time_zone(Events::CreatedAt))
                    .col(timestamp_with_time_zone(Events::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_events_organiser")
                            .from(Events::Table, Events::OrganiserId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        use Events as E;
        for (name, cols) in [
            ("idx_events_starts", vec![E::StartsAt, E::Id]),
            ("idx_events_title", vec![E::Title, E::Id]),
            ("idx_events_created", vec![E::CreatedAt, E::Id]),
            ("idx_events_organiser", vec![E::OrganiserId, E::StartsAt, E::Id]),
            ("idx_events_region", vec![E::Region, E::StartsAt]),
            ("idx_events_departement", vec![E::Departement, E::StartsAt]),
            ("idx_events_city", vec![E::City]),
        ] {
            manager.create_index(index(name, E::Table, &cols)).await?;
        }
        manager
            .create_index(
                index("uq_events_feed_source", E::Table, &[E::FeedId, E::SourceUid])
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Actions::Table)
                    .col(uuid(Actions::Id).primary_key())
                    .col(uuid(Actions::OrganisationId))
                    .col(string_len(Actions::Title, 200))
                    .col(text_null(Actions::Summary))
                    .col(text_null(Actions::Findings))
                    .col(text_null(Actions::Objectives))
                    .col(text_null(Actions::Achievements))
                    .col(text_null(Actions::Stakeholders))
                    .col(text_null(Actions::Obstacles))
                    .col(text_null(Actions::Indicators))
                    .col(text_null(Actions::Feedback))
                    .col(string_len_null(Actions::Region, 32))
                    .col(string_len(Actions::Status, 32))
                    .col(string_len(Actions::Priority, 32))
                    .col(json_binary(Actions::Audiences))
                    .col(json_binary(Actions::Tags))
                    .col(integer_null(Actions::PeopleReached))
                    .col(string_len(Actions::Visibility, 32))
                    .col(timestamp_with_time_zone(Actions::CreatedAt))
                    .col(timestamp_with_time_zone(Actions::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_actions_organisation")
                            .from(Actions::Table, Actions::OrganisationId)
                            .to(Organisations::Table, Organisations::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        use Actions as A;
        for (name, cols) in [
            ("idx_actions_title", vec![A::Title, A::Id]),
            ("idx_actions_created", vec![A::CreatedAt, A::Id]),
            ("idx_actions_organisation", vec![A::OrganisationId, A::CreatedAt, A::Id]),
            ("idx_actions_region", vec![A::Region]),
        ] {
            manager.create_index(index(name, A::Table, &cols)).await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(ExperienceReports::Table)
                    .col(uuid(ExperienceReports::Id).primary_key())
                    .col(uuid_null(ExperienceReports::ActionId))
                    .col(uuid_null(ExperienceReports::EventId))
                    .col(string_len(ExperienceReports::Author, 200))
                    .col(text(ExperienceReports::Text))
                    .col(small_integer_null(ExperienceReports::Rating))
                    .col(integer_null(ExperienceReports::PeopleReached))
                    .col(date(ExperienceReports::ReportedOn))
                    .col(timestamp_with_time_zone(ExperienceReports::CreatedAt))
                    .col(timestamp_with_time_zone(ExperienceReports::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reports_action")
                            .from(ExperienceReports::Table, ExperienceReports::ActionId)
                            .to(Actions::Table, Actions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_reports_event")
                            .from(ExperienceReports::Table, ExperienceReports::EventId)
                            .to(Events::Table, Events::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(
                        Expr::col(ExperienceReports::ActionId)
                            .is_null()
                            .ne(Expr::col(ExperienceReports::EventId).is_null()),
                    )
                    .to_owned(),
            )
            .await?;
        use ExperienceReports as X;
        for (name, cols) in [
            ("idx_reports_reported", vec![X::ReportedOn, X::Id]),
            ("idx_reports_created", vec![X::CreatedAt, X::Id]),
            ("idx_reports_action", vec![X::ActionId, X::ReportedOn, X::Id]),
            ("idx_reports_event", vec![X::EventId, X::ReportedOn, X::Id]),
        ] {
            manager.create_index(index(name, X::Table, &cols)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ExperienceReports::Table.into_iden(),
            Actions::Table.into_iden(),
            Events::Table.into_iden(),
            Resources::Table.into_iden(),
            Contacts::Table.into_iden(),
            Organisations::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
