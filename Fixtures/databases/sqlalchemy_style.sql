-- sqlalchemy_style.sql: a multi-tenant account database as SQLAlchemy 2.x creates it on
-- SQLite (MetaData with a naming convention, so constraints carry pk_/uq_/fk_/ck_ names).
--
-- Quirks recreated (the ORM side of corpus pgloader/storage.sqlite and the
-- NUMERIC(10,2)/DATETIME text of pgloader/Chinook_Sqlite.sqlite):
--   * `Uuid` -> CHAR(32) hex; `Boolean(create_constraint=True)` -> BOOLEAN + CHECK (x IN (0, 1));
--   * `Enum(..., create_constraint=True)` -> VARCHAR(n) + CHECK (x IN ('a', 'b'));
--   * `Numeric(10, 2)` -> NUMERIC(10, 2) (stored as REAL or INTEGER by affinity: 12.10 -> 12.1);
--   * `Date` 'YYYY-MM-DD', `Time` 'HH:MM:SS.ffffff', `DateTime(timezone=True)` still naive text;
--   * `Interval` -> DATETIME holding epoch + delta ('1970-01-01 01:30:00.000000' = 90 minutes);
--   * `LargeBinary` -> BLOB; `Float` -> FLOAT holding unix time with fraction;
--   * `BigInteger` primary key -> BIGINT NOT NULL (NOT a rowid alias: no autoincrement);
--   * `JSON` None stored as JSON 'null' by default, as SQL NULL with none_as_null=True;
--   * server_default=func.now() -> DEFAULT (CURRENT_TIMESTAMP); `sqlite_autoincrement=True`.
BEGIN;

CREATE TABLE organizations (
	id CHAR(32) NOT NULL, 
	slug VARCHAR(63) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	plan VARCHAR(10) NOT NULL, 
	settings JSON, 
	created_at DATETIME DEFAULT (CURRENT_TIMESTAMP) NOT NULL, 
	CONSTRAINT pk_organizations PRIMARY KEY (id), 
	CONSTRAINT uq_organizations_slug UNIQUE (slug), 
	CONSTRAINT ck_organizations_plan CHECK (plan IN ('free', 'team', 'enterprise'))
);

CREATE TABLE accounts (
	id BIGINT NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	password_hash VARCHAR(255) NOT NULL, 
	is_verified BOOLEAN NOT NULL, 
	mfa_secret BLOB, 
	preferences JSON, 
	last_seen_at DATETIME, 
	CONSTRAINT pk_accounts PRIMARY KEY (id), 
	CONSTRAINT uq_accounts_email UNIQUE (email), 
	CONSTRAINT ck_accounts_is_verified CHECK (is_verified IN (0, 1))
);

CREATE TABLE memberships (
	organization_id CHAR(32) NOT NULL, 
	account_id BIGINT NOT NULL, 
	role VARCHAR(6) NOT NULL, 
	joined_on DATE NOT NULL, 
	CONSTRAINT pk_memberships PRIMARY KEY (organization_id, account_id), 
	CONSTRAINT fk_memberships_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE, 
	CONSTRAINT fk_memberships_account_id_accounts FOREIGN KEY(account_id) REFERENCES accounts (id) ON DELETE CASCADE, 
	CONSTRAINT ck_memberships_role CHECK (role IN ('owner', 'admin', 'member'))
);

CREATE TABLE invoices (
	id INTEGER NOT NULL, 
	organization_id CHAR(32) NOT NULL, 
	number VARCHAR(20) NOT NULL, 
	amount NUMERIC(10, 2) NOT NULL, 
	currency CHAR(3) NOT NULL, 
	issued_on DATE NOT NULL, 
	due_time TIME, 
	grace_period DATETIME, 
	paid BOOLEAN NOT NULL, 
	pdf BLOB, 
	CONSTRAINT pk_invoices PRIMARY KEY (id), 
	CONSTRAINT uq_invoices_number UNIQUE (number), 
	CONSTRAINT fk_invoices_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id), 
	CONSTRAINT ck_invoices_paid CHECK (paid IN (0, 1))
);

CREATE TABLE oauth_tokens (
	id INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, 
	account_id BIGINT NOT NULL, 
	client_id VARCHAR(48) NOT NULL, 
	access_token VARCHAR(255) NOT NULL, 
	refresh_token VARCHAR(255), 
	scopes JSON NOT NULL, 
	issued_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	revoked BOOLEAN NOT NULL, 
	CONSTRAINT uq_oauth_tokens_access_token UNIQUE (access_token), 
	CONSTRAINT fk_oauth_tokens_account_id_accounts FOREIGN KEY(account_id) REFERENCES accounts (id) ON DELETE CASCADE, 
	CONSTRAINT ck_oauth_tokens_revoked CHECK (revoked IN (0, 1))
);

CREATE TABLE login_attempts (
	id INTEGER NOT NULL, 
	account_id BIGINT, 
	at FLOAT NOT NULL, 
	success BOOLEAN NOT NULL, 
	ip VARCHAR(45), 
	CONSTRAINT pk_login_attempts PRIMARY KEY (id), 
	CONSTRAINT fk_login_attempts_account_id_accounts FOREIGN KEY(account_id) REFERENCES accounts (id) ON DELETE SET NULL
);

INSERT INTO organizations (id, slug, name, plan, settings, created_at) VALUES
('0f8e2c61a3b94d7c9e15b2a4c6d8e0f1', 'acme', 'Acme Corporation', 'enterprise', '{"sso": {"provider": "saml", "enforced": true}, "seats": 250}', '2023-06-01 12:00:00'),
('5b3c1d2e4f60718293a4b5c6d7e8f901', 'tiny-startup', 'Tiny Startup', 'free', 'null', '2024-02-02 02:02:02.020202'),
('a1b2c3d4e5f60718293a4b5c6d7e8f90', 'zürich-labs', 'Zürich Labs AG', 'team', NULL, '2024-03-15 08:30:00.000000');

INSERT INTO accounts (id, email, password_hash, is_verified, mfa_secret, preferences, last_seen_at) VALUES
(1, 'root@acme.example', 'pbkdf2_sha256$600000$Uu8iIo9oPp$0mK1AWRvO/x7c0xXfm1mKJHcLgI6q4z1b0V1b3BkZGU=', 1, X'4a5b2f0c9d8e7a6b5c4d3e2f10', '{"tz": "America/New_York"}', '2024-05-01 23:59:59.999999'),
(2, 'dev@acme.example', 'pbkdf2_sha256$600000$Yy7tTr6rEe$kV3jK2kN4n8cX1c2Zm9vYm9i0q2f5VNh3m4cmE1bXA=', 1, NULL, NULL, NULL),
(4294967296, 'founder@tiny.example', 'pbkdf2_sha256$600000$Ww5qQa4aSs$F3x9lW2sQm7m5y0l3b1k8P6u0b2N4qVvU3dZcm9vdA=', 0, NULL, 'null', '2024-02-02 02:05:00.000000'),
(9223372036854775807, 'ops@zurich.example', 'argon2$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG', 1, X'00', '{"tz": "Europe/Zurich", "lang": "de-CH"}', '2024-04-30 07:00:00.000000');

INSERT INTO memberships (organization_id, account_id, role, joined_on) VALUES
('0f8e2c61a3b94d7c9e15b2a4c6d8e0f1', 1, 'owner', '2023-06-01'),
('0f8e2c61a3b94d7c9e15b2a4c6d8e0f1', 2, 'member', '2023-07-15'),
('5b3c1d2e4f60718293a4b5c6d7e8f901', 4294967296, 'owner', '2024-02-02'),
('a1b2c3d4e5f60718293a4b5c6d7e8f90', 9223372036854775807, 'admin', '2024-03-15'),
('a1b2c3d4e5f60718293a4b5c6d7e8f90', 2, 'member', '2024-03-20');

INSERT INTO invoices (id, organization_id, number, amount, currency, issued_on, due_time, grace_period, paid, pdf) VALUES
(1, '0f8e2c61a3b94d7c9e15b2a4c6d8e0f1', 'INV-2024-0001', 12500.00, 'USD', '2024-01-01', '17:00:00.000000', '1970-01-31 00:00:00.000000', 1, X'255044462d312e340a25e2e3cfd30a'),
(2, '0f8e2c61a3b94d7c9e15b2a4c6d8e0f1', 'INV-2024-0002', 12.10, 'USD', '2024-02-01', '23:59:59.999999', '1970-01-01 01:30:00.000000', 0, NULL),
(3, 'a1b2c3d4e5f60718293a4b5c6d7e8f90', 'INV-2024-0003', '99.99', 'CHF', '2024-03-31', NULL, NULL, 0, X''),
(4, 'a1b2c3d4e5f60718293a4b5c6d7e8f90', 'INV-2024-0004', 0.1, 'EUR', '2024-04-30', '00:00:00.000000', '1970-01-01 00:00:00.000001', 1, NULL);

INSERT INTO oauth_tokens (id, account_id, client_id, access_token, refresh_token, scopes, issued_at, expires_at, revoked) VALUES
(1, 1, 'cli-7f3a', 'at_1f7c0b3a9e24d5c68b71', 'rt_a9e2f4c6b8d0e1f3a5c7', '["openid", "profile", "email"]', '2024-05-01 10:00:00.000000', '2024-05-01 11:00:00.000000', 0),
(2, 2, 'cli-7f3a', 'at_2c8d1e4f7a0b3c6d9e2f', NULL, '["openid"]', '2024-04-01 09:00:00.000000', '2024-04-01 10:00:00.000000', 1),
(5, 9223372036854775807, 'web-01', 'at_5e0f3a6b9c2d5e8f1a4b', 'rt_0b3c6d9e2f5a8b1c4d7e', '[]', '2024-04-30 07:00:00.000000', '2024-04-30 08:00:00.000000', 0);
-- Tokens 3, 4 and 6 were deleted: sqlite_sequence for oauth_tokens ends at 6.
UPDATE sqlite_sequence SET seq = 6 WHERE name = 'oauth_tokens';

INSERT INTO login_attempts (id, account_id, at, success, ip) VALUES
(1, 1, 1714557600.123456, 1, '203.0.113.10'),
(2, NULL, 1714557601.5, 0, '198.51.100.77'),
(3, 2, 1711962000.0, 1, '2001:db8:85a3::8a2e:370:7334'),
(4, 9223372036854775807, 1714460400.000001, 1, NULL);

CREATE INDEX ix_accounts_last_seen_at ON accounts (last_seen_at);
CREATE INDEX ix_memberships_account_id ON memberships (account_id);
CREATE INDEX ix_invoices_organization_id ON invoices (organization_id);
CREATE INDEX ix_invoices_unpaid ON invoices (issued_on) WHERE paid = 0;
CREATE INDEX ix_oauth_tokens_account_id ON oauth_tokens (account_id);
CREATE INDEX ix_login_attempts_at ON login_attempts (at);

COMMIT;
