-- Runs once, when the data volume is first created: the order service owns a database of its own.
CREATE DATABASE orders;
