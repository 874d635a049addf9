--- mrt for Neovim: the language-server config, which buffers it attaches to, and setup().
---
--- Neovim >= 0.11 reads `lsp/mrt.lua` (which returns `require('mrt').config()`) when you call
--- `vim.lsp.enable('mrt')`. `require('mrt').setup(opts)` does that for you on 0.11+, and on 0.8-0.10
--- starts the server from a FileType autocmd instead. Either way the server is attached only to
--- Alembic revisions and Django migrations: other Python files never start it.

local M = {}

--- Files that sit next to migrations but are never migrations (the server skips them too).
local NEVER = { ['__init__.py'] = true, ['env.py'] = true, ['conftest.py'] = true, ['setup.py'] = true,
  ['manage.py'] = true, ['settings.py'] = true }

--- Where the project starts: the directory holding one of these, nearest to the file.
M.root_markers = { 'alembic.ini', 'manage.py', 'pyproject.toml' }

local function any_line(lines, pattern)
  for _, line in ipairs(lines) do
    if line:find(pattern) then
      return true
    end
  end
  return false
end

--- Is this buffer an Alembic revision or a Django migration? Decided from its path and content the
--- way the server decides: a Django migration is a `class Migration(...)` inside a `migrations/`
--- package; an Alembic revision assigns `revision` and `down_revision` and defines `upgrade()`
--- (Alembic allows any versions directory, so the path alone is not enough).
---@param bufnr integer
---@return boolean
function M.is_migration(bufnr)
  local name = vim.api.nvim_buf_get_name(bufnr)
  local file = vim.fs.basename(name)
  if not name:match('%.py$') or NEVER[file] then
    return false
  end
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  if name:find('/migrations/') and any_line(lines, '^class Migration%s*%(') then
    return true
  end
  return any_line(lines, '^revision%s*[:=]') and any_line(lines, '^down_revision%s*[:=]')
    and any_line(lines, '^def upgrade%s*%(')
end

--- The project root of a migration buffer (works on 0.8+, where `vim.fs.root` does not exist yet).
---@param bufnr integer
---@return string
function M.root(bufnr)
  local dir = vim.fs.dirname(vim.api.nvim_buf_get_name(bufnr))
  local marker = vim.fs.find(M.root_markers, { path = dir, upward = true })[1]
  return marker and vim.fs.dirname(marker) or dir
end

--- The config `lsp/mrt.lua` returns. `settings.mrt` is what the server reads (the same keys as the
--- VS Code extension's `mrt.*` settings, e.g. `{ run = 'onSave', codeActions = { disableForFile = false } }`).
---@return table
function M.config()
  M.create_commands()
  return {
    cmd = { 'mrt-lsp' },
    filetypes = { 'python' },
    root_dir = function(bufnr, on_dir)
      if M.is_migration(bufnr) then
        on_dir(M.root(bufnr))
      end
    end,
    settings = { mrt = vim.empty_dict() },
  }
end

--- Starts the server for migration buffers from a FileType autocmd: the 0.8-0.10 way, used by
--- setup() when `vim.lsp.config` does not exist.
---@param config table the result of config(), with the user's options merged in
function M.start_on_filetype(config)
  local function start(bufnr)
    if not M.is_migration(bufnr) then
      return
    end
    vim.lsp.start({
      name = 'mrt',
      cmd = config.cmd,
      root_dir = M.root(bufnr),
      settings = config.settings,
      init_options = config.init_options,
      on_attach = config.on_attach,
      capabilities = config.capabilities,
    }, { bufnr = bufnr })
  end
  vim.api.nvim_create_autocmd('FileType', {
    group = vim.api.nvim_create_augroup('mrt', { clear = true }),
    pattern = config.filetypes,
    callback = function(args)
      start(args.buf)
    end,
  })
  -- Buffers opened before setup() ran (e.g. the file given on the command line).
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype) then
      start(bufnr)
    end
  end
end

local function mrt_client(bufnr)
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients -- the latter before 0.10
  return get({ bufnr = bufnr, name = 'mrt' })[1]
end

--- Runs one of the server's commands for `bufnr` and hands its result to `on_result`.
local function execute(bufnr, command, arguments, on_result)
  local client = mrt_client(bufnr)
  if not client then
    vim.notify('mrt: no mrt server is attached to this buffer (is it a migration?)', vim.log.levels.WARN)
    return
  end
  local params = { command = command, arguments = arguments }
  local function handler(err, result)
    if err then
      vim.notify('mrt: ' .. command .. ' failed: ' .. (err.message or vim.inspect(err)), vim.log.levels.ERROR)
    else
      on_result(result)
    end
  end
  if vim.fn.has('nvim-0.11') == 1 then
    client:request('workspace/executeCommand', params, handler, bufnr)
  else
    client.request('workspace/executeCommand', params, handler, bufnr)
  end
end

--- A read-only Markdown buffer in a split (what `:MrtExplain` shows).
local function show_markdown(name, text)
  vim.cmd('botright new')
  local buf = vim.api.nvim_get_current_buf()
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(text, '\n', { plain = true }))
  vim.bo[buf].buftype = 'nofile'
  vim.bo[buf].bufhidden = 'wipe'
  vim.bo[buf].modifiable = false
  vim.bo[buf].filetype = 'markdown'
  pcall(vim.api.nvim_buf_set_name, buf, name)
end

--- `:MrtExplain` explains the current migration (its findings, with Claude's explanation on top when
--- `explain.provider` is `claude`); `:MrtCheckWorkspace` checks every migration of the project. The
--- code lens runs the same server commands, but Neovim does not show a command's result, so these do.
function M.create_commands()
  vim.api.nvim_create_user_command('MrtExplain', function()
    local bufnr = vim.api.nvim_get_current_buf()
    local uri = vim.uri_from_bufnr(bufnr)
    execute(bufnr, 'mrt.explainMigration', { uri }, function(text)
      show_markdown('mrt://explain/' .. vim.fs.basename(vim.api.nvim_buf_get_name(bufnr)), text or '')
    end)
  end, { desc = 'mrt: explain this migration' })
  vim.api.nvim_create_user_command('MrtCheckWorkspace', function()
    execute(vim.api.nvim_get_current_buf(), 'mrt.checkWorkspace', {}, function(summary)
      local codes = {}
      for code, count in pairs(summary.byCode or {}) do
        table.insert(codes, code .. ' x' .. count)
      end
      table.sort(codes)
      vim.notify(('mrt checked %d migrations: %d findings%s'):format(summary.files, summary.findings,
        #codes > 0 and (' (' .. table.concat(codes, ', ') .. ')') or ''))
    end)
  end, { desc = 'mrt: check every migration in the workspace' })
end

--- Enables mrt. `opts` overrides the defaults, e.g. `{ cmd = { '/path/to/.venv/bin/mrt-lsp' } }`.
---@param opts table|nil
function M.setup(opts)
  M.create_commands()
  local config = vim.tbl_deep_extend('force', M.config(), opts or {})
  if vim.lsp.config ~= nil and vim.lsp.enable ~= nil then
    vim.lsp.config('mrt', config)
    vim.lsp.enable('mrt')
  else
    M.start_on_filetype(config)
  end
end

return M
