-- What a Neovim user sees on examples/alembic_project's 0003_drop_phone.py: the server attaches, an
-- MRT201 error sits on the drop_column line, hover explains it, "Disable MRT201 for this line" adds
-- the suppression comment and the diagnostic goes away; migrations/env.py, ordinary Python next to
-- the migrations, gets no server. Run by tests/editors/test_neovim.py:
--   nvim --headless --clean -u test/minimal_init.lua -c 'luafile test/e2e.lua'
-- with MRT_REPO (the repository root) and MRT_NVIM_REPORT (where the JSON report goes). Exits 0 when
-- every check passed, 1 otherwise.

local repo = assert(os.getenv('MRT_REPO'), 'MRT_REPO is not set')
local project = repo .. '/examples/alembic_project'
local report = { checks = {}, ok = true }
local TIMEOUT = 30000

local function check(name, ok, detail)
  table.insert(report.checks, { name = name, ok = ok and true or false, detail = (not ok) and detail or nil })
  if not ok then
    report.ok = false
    error(name .. ': ' .. vim.inspect(detail), 0)
  end
end

local function finish()
  local file = assert(io.open(assert(os.getenv('MRT_NVIM_REPORT')), 'w'))
  file:write(vim.json.encode(report))
  file:close()
  vim.cmd(report.ok and 'qall!' or 'cquit! 1')
end

local function mrt_client(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = 'mrt' })[1]
end

local function mrt201(bufnr)
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    if d.code == 'MRT201' then
      return d
    end
  end
end

local function scenario()
  report.nvim = tostring(vim.version())
  vim.cmd.edit(project .. '/migrations/versions/0003_drop_phone.py')
  local buf = vim.api.nvim_get_current_buf()

  check('the server attaches to the migration', vim.wait(TIMEOUT, function() return mrt_client(buf) ~= nil end, 50))
  local client = mrt_client(buf)
  check('the project root is the directory with alembic.ini', client.root_dir == project, client.root_dir)
  report.diagnostics_mode = client.server_capabilities.diagnosticProvider and 'pull' or 'push'
  check('positions are negotiated in utf-8', client.offset_encoding == 'utf-8', client.offset_encoding)

  check('diagnostics arrive', vim.wait(TIMEOUT, function() return mrt201(buf) ~= nil end, 50),
    vim.diagnostic.get(buf))
  local d = mrt201(buf)
  report.diagnostic = { code = d.code, lnum = d.lnum, col = d.col, source = d.source, message = d.message }
  check('MRT201 is on line 17, at drop_column', d.lnum == 16 and d.col == 8, report.diagnostic)
  check('MRT201 is an error from mrt', d.severity == vim.diagnostic.severity.ERROR and d.source == 'mrt',
    report.diagnostic)
  local lsp_diagnostic = d.user_data and d.user_data.lsp
  local href = lsp_diagnostic and lsp_diagnostic.codeDescription and lsp_diagnostic.codeDescription.href or ''
  check('the code links to the rule documentation', href:match('/docs/rules/MRT201%.md$') ~= nil, href)

  vim.cmd('MrtExplain')
  local explained = vim.wait(TIMEOUT, function()
    local name = vim.api.nvim_buf_get_name(0)
    return name:find('mrt://explain/0003_drop_phone.py', 1, true) ~= nil
      and table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n'):find('MRT201') ~= nil
  end, 50)
  check(':MrtExplain shows the migration\'s findings', explained, vim.api.nvim_buf_get_lines(0, 0, -1, false))
  vim.cmd('close')
  check('back in the migration', vim.api.nvim_get_current_buf() == buf)

  local position = { textDocument = vim.lsp.util.make_text_document_params(buf),
    position = { line = d.lnum, character = d.col } }
  local hover = client:request_sync('textDocument/hover', position, TIMEOUT, buf)
  local contents = hover and hover.result and hover.result.contents
  check('hover explains MRT201', type(contents) == 'table' and (contents.value or ''):find('MRT201') ~= nil, hover)

  local range = { start = position.position, ['end'] = { line = d.end_lnum, character = d.end_col } }
  local actions = client:request_sync('textDocument/codeAction', {
    textDocument = position.textDocument,
    range = range,
    context = { diagnostics = { lsp_diagnostic }, only = { 'quickfix' } },
  }, TIMEOUT, buf)
  local disable
  for _, action in ipairs(actions and actions.result or {}) do
    if action.title == 'mrt: Disable MRT201 for this line' then
      disable = action
    end
  end
  check('the suppression quick fix is offered', disable ~= nil, actions)
  vim.lsp.util.apply_workspace_edit(disable.edit, client.offset_encoding)
  local line = vim.api.nvim_buf_get_lines(buf, 16, 17, false)[1]
  report.suppressed_line = line
  check('the quick fix adds the suppression comment', line:find('# mrt: ignore%[MRT201%]') ~= nil, line)
  check('the diagnostic clears', vim.wait(TIMEOUT, function() return mrt201(buf) == nil end, 50),
    vim.diagnostic.get(buf))

  vim.cmd.edit(project .. '/migrations/env.py')
  local env_buf = vim.api.nvim_get_current_buf()
  vim.wait(1000, function() return mrt_client(env_buf) ~= nil end, 50)
  check('a Python file that is not a migration gets no server', mrt_client(env_buf) == nil)
end

local ok, err = xpcall(scenario, debug.traceback)
if not ok then
  report.ok = false
  report.error = err
end
finish()
