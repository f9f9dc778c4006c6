-- Plugin tests that need no server: run with `nvim --headless --clean -l test/unit_spec.lua`.
local plugin_dir = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h')
vim.opt.runtimepath:prepend(plugin_dir)
package.path = plugin_dir .. '/test/?.lua;' .. package.path
local H = require('harness')
local plan_lsp = require('plan_lsp')

H.test('headings skip fenced code and trailing hashes', function()
  local lines = { '# Plan: X', '', '## Status quo ##', '```md', '## not a heading', '```', '### Steps', '#nospace', '~~~', '# no', '~~~', '## Open questions' }
  local titles = vim.tbl_map(function(h)
    return ('%d:%s@%d'):format(h.level, h.title, h.lnum)
  end, plan_lsp.headings(lines))
  H.eq({ '1:Plan: X@1', '2:Status quo@3', '3:Steps@7', '2:Open questions@12' }, titles, 'headings')
end)

H.test('settings encode empty objects as {} and patterns as []', function()
  H.eq('{}', vim.json.encode(plan_lsp.json_settings({})), 'empty settings')
  local encoded = vim.json.decode(vim.json.encode(plan_lsp.json_settings({ severity = {}, placeholders = { patterns = {} }, template = 'phased-plan' })))
  H.eq({ severity = vim.empty_dict(), placeholders = { patterns = {} }, template = 'phased-plan' }, encoded, 'round trip')
  H.match('"severity":{}', vim.json.encode(plan_lsp.json_settings({ severity = {} })), 'severity object')
  H.match('"patterns":%[%]', vim.json.encode(plan_lsp.json_settings({ placeholders = { patterns = {} } })), 'patterns array')
end)

H.test('line ranges cover whole lines; the last line ends at its UTF-16 length', function()
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { 'one', 'two', 'thrée 😀' })
  H.eq({ start = { line = 0, character = 0 }, ['end'] = { line = 2, character = 0 } }, plan_lsp.line_range(buf, 1, 2, 'utf-16'), 'lines 1-2')
  H.eq({ start = { line = 1, character = 0 }, ['end'] = { line = 2, character = 8 } }, plan_lsp.line_range(buf, 2, 3, 'utf-16'), 'to the end (utf-16)')
  H.eq(11, plan_lsp.line_range(buf, 3, 3, 'utf-8')['end'].character, 'utf-8 bytes')
end)

H.test('setup registers the server config and every user command', function()
  plan_lsp.setup({ cmd = { '/opt/plan-lsp' }, settings = { template = 'phased-plan' }, root_markers = { '.plan-root' } })
  local cfg = vim.lsp.config[plan_lsp.name]
  H.eq({ '/opt/plan-lsp' }, cfg.cmd, 'cmd')
  H.eq({ 'markdown' }, cfg.filetypes, 'filetypes default')
  H.eq('function', type(cfg.root_dir), 'root_dir falls back instead of leaving no root')
  H.eq({ '.plan-root' }, plan_lsp.config.root_markers, 'root markers replace the default list')
  H.eq({ planLsp = { template = 'phased-plan' } }, cfg.settings, 'settings answer the planLsp section')
  H.eq({ template = 'phased-plan' }, cfg.init_options, 'init options')
  H.ok(vim.lsp.is_enabled(plan_lsp.name), 'vim.lsp.enable was called')
  local user = vim.api.nvim_get_commands({})
  for _, name in ipairs({ 'PlanNew', 'PlanInsertSections', 'PlanGatherContext', 'PlanFill', 'PlanRefine', 'PlanAnswer', 'PlanAsk', 'PlanSync', 'PlanStatus', 'PlanCancel' }) do
    H.ok(user[name], name .. ' is defined')
  end
  H.eq('1', user.PlanNew.nargs, ':PlanNew takes the issue')
  H.ok(user.PlanRefine.range ~= nil, ':PlanRefine takes a range')
  H.ok(user.PlanSync.bang, ':PlanSync! applies at once')
end)

H.test('the root is the nearest marker folder, else the plan\'s folder', function()
  local tmp = vim.fs.normalize(vim.fn.resolve(vim.fn.tempname()))
  vim.fn.mkdir(tmp .. '/proj/.plan-lsp', 'p')
  vim.fn.mkdir(tmp .. '/proj/plans/deep', 'p')
  vim.fn.mkdir(tmp .. '/loose', 'p')
  local function root_of(path)
    local b = vim.fn.bufadd(path)
    return plan_lsp.root_for(b, { '.git', '.plan-lsp' })
  end
  H.eq(tmp .. '/proj', root_of(tmp .. '/proj/plans/deep/a.md'), 'nearest .plan-lsp/')
  H.eq(tmp .. '/loose', root_of(tmp .. '/loose/b.md'), 'no marker: the plan\'s folder')
end)

H.test('update_settings merges and reconfigures', function()
  plan_lsp.update_settings({ llm = { model = 'm' } })
  H.eq({ template = 'phased-plan', llm = { model = 'm' } }, plan_lsp.config.settings, 'merged settings')
  H.eq({ planLsp = { template = 'phased-plan', llm = { model = 'm' } } }, vim.lsp.config[plan_lsp.name].settings, 'new clients get them')
end)

H.test('settings are checked against the contract', function()
  local health = require('plan_lsp.health')
  H.eq({}, health.settings_problems({ template = 'x', severity = { placeholder = 'error' }, llm = { timeoutSeconds = 5 } }), 'valid settings')
  H.eq({
    'llm.timeoutSeconds should be a number, got string',
    'severity.placeholder = "loud": use error, warning, information, hint or off',
    'unknown setting "temlpate"',
  }, health.settings_problems({ temlpate = 'x', severity = { placeholder = 'loud' }, llm = { timeoutSeconds = '5' } }), 'problems')
end)

H.test('commands refuse clearly when no server is attached', function()
  local messages = {}
  local orig = vim.notify
  vim.notify = function(msg, level)
    table.insert(messages, { msg = msg, level = level })
  end
  local ok, err = pcall(vim.cmd, 'PlanInsertSections')
  vim.notify = orig
  H.ok(ok, tostring(err))
  H.eq(vim.log.levels.ERROR, messages[1] and messages[1].level, 'error level')
  H.match('not attached to this buffer', messages[1].msg, 'message')
end)

H.test('status items and summary', function()
  local status = { open = 2, answered = 1, missingSections = { 'Best Practices' }, placeholders = { { id = 'P1', question = 'Why?', line = 4 } } }
  H.eq({ { bufnr = 7, lnum = 5, col = 1, text = 'P1: Why?', type = 'W' } }, plan_lsp.status_items(7, status), 'loclist items')
  H.eq('2 open, 1 answered; missing: Best Practices', plan_lsp.status_summary(status), 'summary')
end)

H.test('checkhealth reports a missing binary as an error', function()
  vim.cmd('checkhealth plan_lsp')
  local text = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), '\n')
  H.match('server binary "/opt/plan%-lsp" not found', text, 'checkhealth output')
  H.match('ERROR', text, 'error shown')
end)

H.test('the help file has valid tags for every command', function()
  local tmp = vim.fn.tempname()
  vim.fn.mkdir(tmp .. '/doc', 'p')
  vim.fn.writefile(vim.fn.readfile(plugin_dir .. '/doc/plan_lsp.txt'), tmp .. '/doc/plan_lsp.txt')
  vim.cmd('helptags ' .. vim.fn.fnameescape(tmp .. '/doc'))
  -- The shipped doc/tags is what :help reads without :helptags; it must match the help file.
  H.eq(vim.fn.readfile(tmp .. '/doc/tags'), vim.fn.readfile(plugin_dir .. '/doc/tags'),
    'doc/tags is current (regenerate: nvim --headless -c "helptags editors/nvim/doc" -c q)')
  -- The plugin folder as users install it (already on the runtimepath), no :helptags run.
  vim.cmd('help plan_lsp')
  H.match('plan_lsp%.txt$', vim.api.nvim_buf_get_name(0), ':help plan_lsp')
  vim.cmd('helpclose')
  for _, name in ipairs(plan_lsp.commands) do
    vim.cmd('help :' .. name)
    H.match('plan_lsp%.txt$', vim.api.nvim_buf_get_name(0), ':help :' .. name)
    H.match('%*:' .. name .. '%*', vim.api.nvim_get_current_line(), 'tag line of ' .. name)
    vim.cmd('helpclose')
  end
  vim.cmd('help plan_lsp-settings')
  H.match('plan_lsp%-settings', vim.api.nvim_get_current_line(), 'settings section')
end)

H.finish()
