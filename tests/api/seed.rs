use api::service::seed;
use catalogue_tests::{Backend, TestDatabase, on_both_databases};
use entity::prelude::*;
use sea_orm::{EntityTrait, PaginatorTrait};

on_both_databases!(seeding_twice_duplicates_nothing);

async fn seeding_twice_duplicates_nothing(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let db = database.connect().await;
    api::db::migrate(&db).await.expect("migrations apply");

    let first = seed::load(&db, seed::SAMPLE_CATALOGUE)
        .await
        .expect("first seed");
    let counts = (
        Publication::find().count(&db).await.expect("count"),
        Author::find().count(&db).await.expect("count"),
        Venue::find().count(&db).await.expect("count"),
        Topic::find().count(&db).await.expect("count"),
        PublicationAuthor::find().count(&db).await.expect("count"),
        AuthorNameVariant::find().count(&db).await.expect("count"),
    );
    let second = seed::load(&db, seed::SAMPLE_CATALOGUE)
        .await
        .expect("second seed");

    assert_eq!((first.created, first.already_present), (6, 0));
    assert_eq!((second.created, second.already_present), (0, 6));
    let again = (
        Publication::find().count(&db).await.expect("count"),
        Author::find().count(&db).await.expect("count"),
        Venue::find().count(&db).await.expect("count"),
        Topic::find().count(&db).await.expect("count"),
        PublicationAuthor::find().count(&db).await.expect("count"),
        AuthorNameVariant::find().count(&db).await.expect("count"),
    );
    assert_eq!(counts, again);
    // 6 publications; 32 distinct people across 40 bylines; 4 venues; 3 topics; 2 variants.
    assert_eq!(counts, (6, 32, 4, 3, 40, 2));
}
