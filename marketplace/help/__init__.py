"""Help and consent: 操作指南 per role, 常见问题, 用户协议, 隐私政策, and the page that asks for consent again."""
