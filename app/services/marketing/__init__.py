"""Marketing: coupons, points, campaigns, banners and notices.

Banners and notices: `banners` and `notices` (announcements) for staff edits, `price_notices`
(made from the scheduled prices), `live_content` for what drivers are shown now (cached)."""
