-- A clean Neovim with only mrt's config on the runtimepath, set up the way the README says.
-- MRT_PYTHON: the interpreter that runs the server; MRT_NVIM_SETUP: which README recipe to follow
-- ("enable": lsp/mrt.lua + vim.lsp.enable, "setup": require('mrt').setup(), "legacy": the 0.8-0.10
-- FileType autocmd that setup() uses when vim.lsp.config does not exist).
local here = vim.fs.dirname(debug.getinfo(1, 'S').source:sub(2))
vim.opt.runtimepath:prepend(vim.fs.dirname(here))
vim.opt.swapfile = false

local cmd = { os.getenv('MRT_PYTHON') or 'python3', '-m', 'mrt_server' }
local recipe = os.getenv('MRT_NVIM_SETUP') or 'enable'
if recipe == 'enable' then
  vim.lsp.config('mrt', { cmd = cmd })
  vim.lsp.enable('mrt')
elseif recipe == 'setup' then
  require('mrt').setup({ cmd = cmd })
elseif recipe == 'legacy' then
  local mrt = require('mrt')
  mrt.start_on_filetype(vim.tbl_deep_extend('force', mrt.config(), { cmd = cmd }))
else
  error('unknown MRT_NVIM_SETUP ' .. recipe)
end
