-- The seed's own migration (ai__backend/migrations/add_cover_image_to_order_items.sql),
-- as written there.
ALTER TABLE order_items
ADD COLUMN IF NOT EXISTS cover_image_url TEXT;

COMMENT ON COLUMN order_items.cover_image_url IS 'URL to the generated personalized cover image';

CREATE INDEX IF NOT EXISTS idx_order_items_cover_image_url
ON order_items(cover_image_url)
WHERE cover_image_url IS NOT NULL;
