-- mrt's language server for Neovim >= 0.11: `vim.lsp.enable('mrt')`.
-- Attaches to Alembic revisions and Django migrations only; see lua/mrt/init.lua.
-- Override anything with vim.lsp.config('mrt', { cmd = { ... }, settings = { mrt = { ... } } }).
return require('mrt').config()
