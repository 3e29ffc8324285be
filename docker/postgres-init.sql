-- The Leadline store lives beside Airflow's metadata database.
CREATE DATABASE leadline OWNER airflow;
