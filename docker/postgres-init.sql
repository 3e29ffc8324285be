-- The Leadline store lives beside Airflow's metadata database, owned by an ordinary role: superusers skip the
-- store's row-level security (migration 0014). CREATEDB: backup verification restores into a scratch database.
CREATE ROLE leadline LOGIN PASSWORD 'leadline' CREATEDB NOSUPERUSER NOBYPASSRLS;
CREATE DATABASE leadline OWNER leadline;
