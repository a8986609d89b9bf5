-- Waiting: a conversation the team answered and that now waits on the member; it comes back
-- to the open queue when they write (as a done or snoozed one does).
--
-- The status CHECK gains 'waiting'. SQLite cannot alter a CHECK constraint; loosening one
-- changes nothing on disk, so the table's SQL is edited in place, as SQLite documents for
-- removing a CHECK constraint (https://sqlite.org/lang_altertable.html#otheralter). The
-- schema version is bumped by the migration's hook so every open connection reads it again.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema
   SET sql = replace(sql, 'CHECK (status IN (''open'', ''snoozed'', ''done''))',
                          'CHECK (status IN (''open'', ''waiting'', ''snoozed'', ''done''))')
 WHERE type = 'table' AND name = 'conversations';
PRAGMA writable_schema = OFF;
-- (the waiting queue is served by conversations_by_status, as the open and done queues are)
