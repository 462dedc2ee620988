-- django_style.sql: a Django-made SQLite database (contrib.auth, sessions, admin log,
-- plus an app model), with the DDL exactly in the shape Django's SQLite backend emits.
--
-- Quirks recreated (compare the ORM auth tables in corpus pgloader/storage.sqlite and
-- the declared-type zoo of pgloader/sqlite.db):
--   * "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT everywhere (sqlite_sequence);
--   * declared types `bool`, `datetime`, `date`, `decimal`, `real`, `bigint`,
--     `smallint unsigned` with a CHECK, `char(32)` for UUIDField (hex, TEXT affinity),
--     `varchar(150)`/`varchar(254)`;
--   * JSONField as `text` guarded by CHECK ((JSON_VALID("col") OR "col" IS NULL));
--   * FKs `REFERENCES ... DEFERRABLE INITIALLY DEFERRED`, hashed index names;
--   * datetimes are naive UTC text `YYYY-MM-DD HH:MM:SS[.ffffff]` (USE_TZ=True);
--   * `decimal` has NUMERIC affinity: '19.90' is stored as the REAL 19.9, '10' as INTEGER 10.
-- Passwords: admin / "admin-pass-1", ana / "ana-secret", ben / "ben-secret".
BEGIN;

CREATE TABLE "django_migrations" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app" varchar(255) NOT NULL, "name" varchar(255) NOT NULL, "applied" datetime NOT NULL);
CREATE TABLE "django_content_type" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "app_label" varchar(100) NOT NULL, "model" varchar(100) NOT NULL);
CREATE TABLE "auth_group" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" varchar(150) NOT NULL UNIQUE);
CREATE TABLE "auth_permission" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "content_type_id" integer NOT NULL REFERENCES "django_content_type" ("id") DEFERRABLE INITIALLY DEFERRED, "codename" varchar(100) NOT NULL, "name" varchar(255) NOT NULL);
CREATE TABLE "auth_group_permissions" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "group_id" integer NOT NULL REFERENCES "auth_group" ("id") DEFERRABLE INITIALLY DEFERRED, "permission_id" integer NOT NULL REFERENCES "auth_permission" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "auth_user" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "password" varchar(128) NOT NULL, "last_login" datetime NULL, "is_superuser" bool NOT NULL, "username" varchar(150) NOT NULL UNIQUE, "last_name" varchar(150) NOT NULL, "email" varchar(254) NOT NULL, "is_staff" bool NOT NULL, "is_active" bool NOT NULL, "date_joined" datetime NOT NULL, "first_name" varchar(150) NOT NULL);
CREATE TABLE "auth_user_groups" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED, "group_id" integer NOT NULL REFERENCES "auth_group" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "auth_user_user_permissions" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED, "permission_id" integer NOT NULL REFERENCES "auth_permission" ("id") DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE "django_admin_log" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "object_id" text NULL, "object_repr" varchar(200) NOT NULL, "action_flag" smallint unsigned NOT NULL CHECK ("action_flag" >= 0), "change_message" text NOT NULL, "content_type_id" integer NULL REFERENCES "django_content_type" ("id") DEFERRABLE INITIALLY DEFERRED, "user_id" integer NOT NULL REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED, "action_time" datetime NOT NULL);
CREATE TABLE "django_session" ("session_key" varchar(40) NOT NULL PRIMARY KEY, "session_data" text NOT NULL, "expire_date" datetime NOT NULL);
CREATE TABLE "accounts_profile" ("id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "public_id" char(32) NOT NULL UNIQUE, "birth_date" date NULL, "balance" decimal NOT NULL, "rating" real NULL, "login_count" bigint NOT NULL, "settings" text NOT NULL CHECK ((JSON_VALID("settings") OR "settings" IS NULL)), "extra" text NULL CHECK ((JSON_VALID("extra") OR "extra" IS NULL)), "avatar" varchar(100) NOT NULL, "updated_at" datetime NOT NULL, "user_id" integer NOT NULL UNIQUE REFERENCES "auth_user" ("id") DEFERRABLE INITIALLY DEFERRED);

INSERT INTO "django_migrations" ("app", "name", "applied") VALUES
('contenttypes', '0001_initial', '2024-01-05 10:00:00.101010'),
('auth', '0001_initial', '2024-01-05 10:00:00.202020'),
('admin', '0001_initial', '2024-01-05 10:00:00.303030'),
('sessions', '0001_initial', '2024-01-05 10:00:00.404040'),
('auth', '0012_alter_user_first_name_max_length', '2024-01-05 10:00:00.505050'),
('accounts', '0001_initial', '2024-01-05 10:00:00.606060');

INSERT INTO "django_content_type" ("app_label", "model") VALUES
('admin', 'logentry'), ('auth', 'permission'), ('auth', 'group'), ('auth', 'user'),
('contenttypes', 'contenttype'), ('sessions', 'session'), ('accounts', 'profile');

INSERT INTO "auth_permission" ("content_type_id", "codename", "name") VALUES
(4, 'add_user', 'Can add user'), (4, 'change_user', 'Can change user'),
(4, 'delete_user', 'Can delete user'), (4, 'view_user', 'Can view user'),
(3, 'add_group', 'Can add group'), (3, 'view_group', 'Can view group'),
(7, 'change_profile', 'Can change profile'), (7, 'view_profile', 'Can view profile');

INSERT INTO "auth_group" ("name") VALUES ('Support'), ('Auditors');
INSERT INTO "auth_group_permissions" ("group_id", "permission_id") VALUES (1, 2), (1, 4), (1, 7), (2, 4), (2, 8);

INSERT INTO "auth_user" ("password", "last_login", "is_superuser", "username", "last_name", "email", "is_staff", "is_active", "date_joined", "first_name") VALUES
('pbkdf2_sha256$600000$dJ4kL9mN2pQ8rS1t$YTk2ayLIMWV7vJdTg1eo4fzi/m3NFNXGXbMBogIgG/c=', '2024-05-01 08:00:00.123456', 1, 'admin', '', 'admin@example.org', 1, 1, '2024-01-05 10:01:00', ''),
('pbkdf2_sha256$600000$wX3yZ5aB7cD9eF1g$sQVS+mdX0knR8b1sbq+1ZThfYWlagiO4Swtyg2400S0=', '2024-04-28 17:45:12.000001', 0, 'ana', 'Müller', 'ana@example.org', 1, 1, '2024-01-06 09:00:00.500000', 'Ana'),
('pbkdf2_sha256$600000$hI2jK4lM6nO8pQ0r$V3zfS24pQ8JJx8Y9Mvgu0u94Imr1rZ3JRiqfDiT6K2U=', NULL, 0, 'ben', 'O''Brien', 'ben@example.org', 0, 1, '2024-02-14 14:14:14.141414', 'Ben'),
-- Django's unusable password: '!' followed by 40 random characters.
('!Vq8NcXz3LkP0aS9dF2gH7jK4lM1nB6vC5xZ8qWe', NULL, 0, 'chen.wei', '陈', 'chen@example.org', 0, 0, '2024-03-01 00:00:00', '伟');

INSERT INTO "auth_user_groups" ("user_id", "group_id") VALUES (2, 1), (2, 2), (3, 2);
INSERT INTO "auth_user_user_permissions" ("user_id", "permission_id") VALUES (3, 1);

INSERT INTO "django_admin_log" ("object_id", "object_repr", "action_flag", "change_message", "content_type_id", "user_id", "action_time") VALUES
('3', 'ben', 1, '[{"added": {}}]', 4, 1, '2024-02-14 14:14:15.000000'),
('3', 'ben', 2, '[{"changed": {"fields": ["Staff status", "Last name"]}}]', 4, 1, '2024-02-15 09:30:00.250000'),
('1', 'Support', 2, '', 3, 1, '2024-03-02 11:00:00.000000'),
('99', 'old-user', 3, '', 4, 1, '2024-03-03 12:00:00.000000');

INSERT INTO "django_session" ("session_key", "session_data", "expire_date") VALUES
('a3338c53a02358c75d51ea89d5751d83', '.eJxVjDsOwjAQBa-CtqyRHNs_2bQ0dFwhWtsbEuFPFDsBCXF3IkEzZR6adycBdIDDxH4xGAyg0AiT5W:1s2Xyz:Q9kq3bM', '2024-05-15 08:00:00.123456'),
('aca5b823e9fd5307f9abdae9eff08297', 'e30:1rzQ2v:8u4c9lJ0Qx7mZ', '2024-05-12 17:45:12.000001'),
('ad1902bf16941e2d9a2ecd03d5ffa485', '.eJyrVkrOzytJzSvRUcrMS0nNy8xLVbJSMjJUMDAw0lHKTSwqSs4vzSsBAI4aCuU:1rxyzA:abc', '2024-01-01 00:00:00');

INSERT INTO "accounts_profile" ("public_id", "birth_date", "balance", "rating", "login_count", "settings", "extra", "avatar", "updated_at", "user_id") VALUES
('57d6f8c51592519298c84c90df5e44a8', NULL, '0', NULL, 412, '{"theme": "system"}', NULL, '', '2024-05-01 08:00:00.123456', 1),
('3f0397d696a7523aa70273dbb52ffca2', '1990-07-14', '1250.50', 4.75, 37, '{"theme": "dark", "notifications": {"email": true, "sms": false}}', 'null', 'avatars/ana.png', '2024-04-28 17:45:12.000001', 2),
('9399836a331b5bd78efda799155539cd', '1985-12-31', '19.90', 3.0, 0, '{}', '[1, 2.5, "three", null, true]', 'avatars/ben.jpg', '2024-02-15 09:30:00.250000', 3),
('cdad8ccca3525205b0f315c002c4630a', '2000-02-29', '-0.01', NULL, 9007199254740993, '{"lang": "zh-Hans"}', '{"nickname": "小陈"}', '', '2024-03-01 00:00:00', 4);

CREATE UNIQUE INDEX "django_content_type_app_label_model_76bd3d3b_uniq" ON "django_content_type" ("app_label", "model");
CREATE UNIQUE INDEX "auth_group_permissions_group_id_permission_id_0cd325b0_uniq" ON "auth_group_permissions" ("group_id", "permission_id");
CREATE INDEX "auth_group_permissions_group_id_b120cbf9" ON "auth_group_permissions" ("group_id");
CREATE INDEX "auth_group_permissions_permission_id_84c5c92e" ON "auth_group_permissions" ("permission_id");
CREATE UNIQUE INDEX "auth_permission_content_type_id_codename_01ab375a_uniq" ON "auth_permission" ("content_type_id", "codename");
CREATE INDEX "auth_permission_content_type_id_2f476e4b" ON "auth_permission" ("content_type_id");
CREATE UNIQUE INDEX "auth_user_groups_user_id_group_id_94350c0c_uniq" ON "auth_user_groups" ("user_id", "group_id");
CREATE INDEX "auth_user_groups_user_id_6a12ed8b" ON "auth_user_groups" ("user_id");
CREATE INDEX "auth_user_groups_group_id_97559544" ON "auth_user_groups" ("group_id");
CREATE UNIQUE INDEX "auth_user_user_permissions_user_id_permission_id_14a6b632_uniq" ON "auth_user_user_permissions" ("user_id", "permission_id");
CREATE INDEX "auth_user_user_permissions_user_id_a95ead1b" ON "auth_user_user_permissions" ("user_id");
CREATE INDEX "auth_user_user_permissions_permission_id_1fbb5f2c" ON "auth_user_user_permissions" ("permission_id");
CREATE INDEX "django_admin_log_content_type_id_c4bce8eb" ON "django_admin_log" ("content_type_id");
CREATE INDEX "django_admin_log_user_id_c564eba6" ON "django_admin_log" ("user_id");
CREATE INDEX "django_session_expire_date_a5c62663" ON "django_session" ("expire_date");

COMMIT;
