// Upsert channels. Parameters: rows [{channel_id}]. Columns: none.
UNWIND $rows AS row
MERGE (:Channel {channel_id: row.channel_id})
