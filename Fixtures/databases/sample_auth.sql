-- sample_auth.sql: a small, realistic SQLAlchemy-style auth database (the README demo).
--
-- Recreates, in our own data, what an ORM-made SQLite auth database looks like
-- (compare the real web2py auth tables in corpus pgloader/storage.sqlite):
--   * users.id is a SQLAlchemy `Uuid` stored as CHAR(32) hex (TEXT affinity);
--   * BOOLEAN columns hold 0/1 (NUMERIC affinity);
--   * JSON columns are text; one profile is the JSON text `null`, one is SQL NULL;
--   * DATETIME columns are naive text `YYYY-MM-DD HH:MM:SS.ffffff` (SQLAlchemy's
--     format), except one row shaped like a CURRENT_TIMESTAMP default
--     (`YYYY-MM-DD HH:MM:SS`, no fraction; written as a literal to stay deterministic);
--   * audit_log.ts is INTEGER unix seconds;
--   * composite PK, ON DELETE CASCADE / SET NULL FKs, AUTOINCREMENT (sqlite_sequence),
--     a partial index (WHERE) and an expression index.
-- Demo logins: alice@authx.example / "correct horse battery staple",
--              bob@authx.example / "hunter2" (pbkdf2_sha256, 600000 iterations,
--              Django format: pbkdf2_sha256$ITER$SALT$base64(sha256-dk)).
-- Build: sqlite3 sample_auth.sqlite < sample_auth.sql
PRAGMA foreign_keys = ON;
BEGIN;

CREATE TABLE users (
	id CHAR(32) NOT NULL, 
	email VARCHAR(255) NOT NULL, 
	password_hash VARCHAR(255), 
	display_name VARCHAR(100), 
	is_active BOOLEAN NOT NULL DEFAULT 1, 
	is_admin BOOLEAN NOT NULL DEFAULT 0, 
	profile JSON, 
	created_at DATETIME NOT NULL DEFAULT (CURRENT_TIMESTAMP), 
	last_login DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (email)
);

CREATE TABLE roles (
	id INTEGER NOT NULL, 
	name VARCHAR(64) NOT NULL, 
	description TEXT, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);

CREATE TABLE user_roles (
	user_id CHAR(32) NOT NULL, 
	role_id INTEGER NOT NULL, 
	granted_at DATETIME NOT NULL, 
	PRIMARY KEY (user_id, role_id), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	FOREIGN KEY(role_id) REFERENCES roles (id) ON DELETE CASCADE
);

CREATE TABLE sessions (
	id INTEGER PRIMARY KEY AUTOINCREMENT, 
	user_id CHAR(32) NOT NULL, 
	token VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	ip_address VARCHAR(45), 
	user_agent TEXT, 
	revoked BOOLEAN NOT NULL DEFAULT 0, 
	UNIQUE (token), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE api_keys (
	id INTEGER NOT NULL, 
	user_id CHAR(32) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	prefix CHAR(8) NOT NULL, 
	key_hash CHAR(64) NOT NULL, 
	scopes JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	last_used_at DATETIME, 
	expires_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (key_hash), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
);

CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	user_id CHAR(32), 
	action VARCHAR(64) NOT NULL, 
	ts INTEGER NOT NULL, 
	ip_address VARCHAR(45), 
	payload JSON, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE SET NULL
);

INSERT INTO users (id, email, password_hash, display_name, is_active, is_admin, profile, created_at, last_login) VALUES
('7d8de1b767105340b925d569964ceaca', 'alice@authx.example', 'pbkdf2_sha256$600000$Qm7xR2pLk9$6WB3jFfcMZ+stEpF/FkjZ6HEWNkgV8fkobS1WZ3FYA8=', 'Alice Liddell', 1, 1, '{"locale": "en-GB", "theme": "dark", "mfa": {"totp": true, "backup_codes_left": 7}}', '2023-11-02 08:14:03.512044', '2024-05-01 19:02:11.000120'),
('f8578c8394aa53349192f0707fae1849', 'bob@authx.example', 'pbkdf2_sha256$600000$aZ3kP0vNq1$pOW351AzWbCD0RJa9yu7+Uv44QFBHRK0/TJwGglSvxk=', 'Bob', 1, 0, '{"locale": "fr-FR", "newsletter": false, "tags": ["beta", "early-adopter"]}', '2023-12-24 23:59:59.999999', NULL),
('2b92854cadc8543192bd8f6dc652850f', 'carol@authx.example', 'pbkdf2_sha256$600000$Lp9sW2xCe4$u+JA1r0s9rFCSZP3heOAA1GKi5xULds71ZOwVDFrw9U=', 'Carol O''Connor', 0, 0, 'null', '2024-01-01 00:00:00.000000', '2024-01-15 12:30:00.250000'),
('f41683ba018c5fbfb87b52a3e22d8e1c', 'dave@authx.example', 'pbkdf2_sha256$600000$Xc8vB1nMq7$9hbIdj0FihxDi8ay/JrxNoo4kgxYE6Txuw3JmtfFjtE=', NULL, 1, 0, NULL, '2024-02-29 12:00:00.000001', NULL),
('718fcdd153815b73a742df8e22c77cc0', 'zoë@authx.example', 'pbkdf2_sha256$600000$Ru4tY6iOp2$hEjWAi6oJJ55xlQp96NVqjJ8GxXvxFQB3j5QIeUuYYg=', 'Zoë Ångström 🦊', 1, 0, '{"locale": "sv-SE", "bio": "Tabs\tand \"quotes\" and\nnewlines", "score": 4.5}', '2024-03-10 02:30:00.123000', '2024-04-30 23:59:59.999999'),
('32d196751dfc54569ea5951fbda39e7a', 'erin@authx.example', 'pbkdf2_sha256$600000$Hg5jK7lZx3$Hgf8HammD0aZ1jSzICWGoQTUK2J4DHaWJ+A1q1X4lvg=', 'Erin', 1, 0, '{}', '2024-04-01 09:00:00.500000', '2024-04-02 10:00:00.000000'),
('266b2cce7abb548ba4ff153ef17eebfb', 'frank@authx.example', 'pbkdf2_sha256$600000$Nm2bV4cXz8$FXZ37iF37xaDv29KjBJRjhCKLGqHM1SqOPYcBDVfaBc=', 'Frank', 1, 0, '{"locale": "de-DE"}', '2024-04-15 16:45:10.000900', NULL);
-- A service account created without explicit created_at: the shape a
-- CURRENT_TIMESTAMP default produces (no fractional seconds). Literal for determinism.
INSERT INTO users (id, email, password_hash, display_name, is_active, is_admin, profile, created_at, last_login) VALUES
('ad852c5a43ff591f88670f36f1e56ba4', 'svc-reports@authx.example', NULL, 'Reports service', 1, 0, '{"service": true}', '2024-05-02 08:15:00', NULL);

INSERT INTO roles (id, name, description) VALUES
(1, 'admin', 'Full access'),
(2, 'editor', 'Can edit content'),
(3, 'viewer', 'Read-only access'),
(4, 'billing', NULL);

INSERT INTO user_roles (user_id, role_id, granted_at) VALUES
('7d8de1b767105340b925d569964ceaca', 1, '2023-11-02 08:14:03.600000'),
('7d8de1b767105340b925d569964ceaca', 2, '2023-11-02 08:14:03.600000'),
('f8578c8394aa53349192f0707fae1849', 2, '2023-12-25 10:00:00.000000'),
('f8578c8394aa53349192f0707fae1849', 3, '2023-12-25 10:00:00.000000'),
('2b92854cadc8543192bd8f6dc652850f', 3, '2024-01-01 00:00:01.000000'),
('f41683ba018c5fbfb87b52a3e22d8e1c', 3, '2024-02-29 12:00:01.000000'),
('718fcdd153815b73a742df8e22c77cc0', 2, '2024-03-10 02:31:00.000000'),
('718fcdd153815b73a742df8e22c77cc0', 4, '2024-03-11 09:00:00.000000'),
('32d196751dfc54569ea5951fbda39e7a', 3, '2024-04-01 09:00:01.000000'),
('ad852c5a43ff591f88670f36f1e56ba4', 3, '2024-05-02 08:15:00');

INSERT INTO sessions (id, user_id, token, created_at, expires_at, ip_address, user_agent, revoked) VALUES
(1, '7d8de1b767105340b925d569964ceaca', '781b73c384153d1aae2514c81b4ab6bad24065816fd', '2024-05-01 19:02:11.000120', '2024-05-15 19:02:11.000120', '203.0.113.7', 'Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0', 0),
(2, '7d8de1b767105340b925d569964ceaca', '4efada57ed16e88e435553dd2a4136997f81d2e8cc7', '2024-04-20 07:00:00.000000', '2024-05-04 07:00:00.000000', '2001:db8::1', 'authx-cli/0.1', 1),
(3, '2b92854cadc8543192bd8f6dc652850f', '4559072ab2d49a4ef52931551028830e4272b9c5d33', '2024-01-15 12:30:00.250000', '2024-01-29 12:30:00.250000', '198.51.100.23', NULL, 0),
(4, '718fcdd153815b73a742df8e22c77cc0', '500a7e20dd41b9b8a3c2499c784f3e57da80b0b9ed5', '2024-04-30 23:59:59.999999', '2024-05-14 23:59:59.999999', '192.0.2.200', 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X)', 0),
(5, '32d196751dfc54569ea5951fbda39e7a', '70f6f4170fa633c023f67ad1f7c9002dc6b54581671', '2024-04-02 10:00:00.000000', '2024-04-16 10:00:00.000000', NULL, NULL, 0),
(7, 'f8578c8394aa53349192f0707fae1849', 'ed8878a69e2772648db2e41e1c0f68bbb928120cfbd', '2024-05-02 06:00:00.000000', '2024-05-16 06:00:00.000000', '203.0.113.99', 'curl/8.5.0', 0);
-- Session 6 and 8 were created and deleted: sqlite_sequence stays at 8, above max(id) = 7.
INSERT INTO sessions (id, user_id, token, created_at, expires_at, ip_address, user_agent, revoked) VALUES
(8, 'f8578c8394aa53349192f0707fae1849', '87b0c75fb1433073b82b9946a17029c80721d027f87', '2024-05-02 06:05:00.000000', '2024-05-16 06:05:00.000000', NULL, NULL, 0);
DELETE FROM sessions WHERE id = 8;

INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at, last_used_at, expires_at) VALUES
(1, '7d8de1b767105340b925d569964ceaca', 'CI deploy', 'ak_5da65', '5da65da82bbf1a8ff424747dd43fc0e142d22aa58da5eb7877ed1db7fc4e5f9c', '["deploy", "read"]', '2024-01-10 10:10:10.101010', '2024-05-01 03:00:00.000000', NULL),
(2, 'f8578c8394aa53349192f0707fae1849', 'laptop', 'ak_d312d', 'd312d8e4cb6ae3cf88f9503ac4c1e0a6d5b8489fc96c8c4d9867ca3b3822525a', '["read"]', '2024-02-01 00:00:00.000000', NULL, '2025-02-01 00:00:00.000000'),
(3, 'ad852c5a43ff591f88670f36f1e56ba4', 'reports', 'ak_35d09', '35d09b16701391c5ba813ac2bf28aa43a5c93c8dfb739db7a3845f25a8b2bab6', '[]', '2024-05-02 08:15:00', NULL, NULL);

INSERT INTO audit_log (id, user_id, action, ts, ip_address, payload) VALUES
(1, '7d8de1b767105340b925d569964ceaca', 'user.created', 1698912843, NULL, '{"by": "signup"}'),
(2, 'f8578c8394aa53349192f0707fae1849', 'user.created', 1703462399, NULL, '{"by": "invite", "inviter": "7d8de1b767105340b925d569964ceaca"}'),
(3, '7d8de1b767105340b925d569964ceaca', 'role.granted', 1698912843, '203.0.113.7', '{"role": "admin"}'),
(4, '2b92854cadc8543192bd8f6dc652850f', 'login.success', 1705321800, '198.51.100.23', '{"mfa": false}'),
(5, '2b92854cadc8543192bd8f6dc652850f', 'user.deactivated', 1706745600, NULL, '{"reason": "left the company"}'),
(6, NULL, 'login.failure', 1714460000, '192.0.2.1', '{"email": "mallory@authx.example", "attempt": 3}'),
(7, '718fcdd153815b73a742df8e22c77cc0', 'login.success', 1714521599, '192.0.2.200', '{"mfa": true, "device": "iPhone"}'),
(8, '7d8de1b767105340b925d569964ceaca', 'apikey.created', 1704881410, NULL, '{"key_id": 1, "scopes": ["deploy", "read"]}'),
(9, 'ad852c5a43ff591f88670f36f1e56ba4', 'apikey.created', 1714637700, NULL, NULL),
(10, '32d196751dfc54569ea5951fbda39e7a', 'password.changed', 1712052000, '203.0.113.50', 'null');

CREATE INDEX ix_users_created_at ON users (created_at);
CREATE UNIQUE INDEX ix_users_email_lower ON users (lower(email));
CREATE INDEX ix_user_roles_role_id ON user_roles (role_id);
CREATE INDEX ix_sessions_user_id ON sessions (user_id);
CREATE INDEX ix_sessions_expires_at ON sessions (expires_at);
CREATE INDEX ix_sessions_active ON sessions (user_id, expires_at) WHERE revoked = 0;
CREATE INDEX ix_api_keys_user_id ON api_keys (user_id);
CREATE INDEX ix_audit_log_user_id_ts ON audit_log (user_id, ts DESC);
CREATE INDEX ix_audit_log_action ON audit_log (action);

COMMIT;
