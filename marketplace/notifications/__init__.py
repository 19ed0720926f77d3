"""Telling people about changes: whom to tell (notify), the 站内信 inbox and each user's choices
(inbox), e-mail backends (mail), the weekly recommendation digest (digest), and the inbox pages
(routes, the "inbox" blueprint). Services call `notify`; nothing here decides a workflow."""
