-- End-to-end: the plugin in headless Neovim 0.11 against the real plan-lsp binary, on a scratch
-- copy of editors/test-fixtures/workspace. Run by test/run.sh (which sets the environment).
local plugin_dir = vim.fn.fnamemodify(debug.getinfo(1, 'S').source:sub(2), ':p:h:h')
vim.opt.runtimepath:prepend(plugin_dir)
package.path = plugin_dir .. '/test/?.lua;' .. package.path
local H = require('harness')

local bin = assert(os.getenv('PLAN_LSP_BIN'), 'PLAN_LSP_BIN')
local workspace = assert(os.getenv('PLAN_LSP_WORKSPACE'), 'PLAN_LSP_WORKSPACE')
local out = os.getenv('PLAN_LSP_NVIM_OUT') or vim.fn.tempname()

vim.lsp.log.set_level('debug')
vim.cmd('filetype on')
vim.cmd.cd(vim.fn.fnameescape(workspace))

-- Record notifications: the commands report results and server errors through vim.notify.
local notes = {}
vim.notify = function(msg, level)
  table.insert(notes, { msg = msg, level = level or vim.log.levels.INFO })
  io.stdout:write(('  notify[%s] %s\n'):format(tostring(level), msg))
end
local function note_matching(pattern, level)
  for _, n in ipairs(notes) do
    if n.msg:find(pattern, 1, true) and (level == nil or n.level == level) then
      return n
    end
  end
end

-- Every $/progress of the session, by token, to wait for the server's background indexing.
local progress_by_token = {}
vim.api.nvim_create_autocmd('LspProgress', {
  callback = function(ev)
    local p = ev.data.params
    if p and type(p.value) == 'table' then
      progress_by_token[p.token] = progress_by_token[p.token] or {}
      table.insert(progress_by_token[p.token], p.value)
    end
  end,
})
local function progress_done(title_pattern)
  for _, values in pairs(progress_by_token) do
    if values[1].kind == 'begin' and values[1].title:find(title_pattern) and values[#values].kind == 'end' then
      return true
    end
  end
  return false
end

local plan_lsp = require('plan_lsp')
plan_lsp.setup({ cmd = { bin } })

local QUESTION = 'Should the greeting be localized?'
local plan_path = workspace .. '/plans/greeting.md'
local lib_path = vim.fn.resolve(workspace .. '/src/lib.rs')

local function open(path)
  vim.cmd.edit(vim.fn.fnameescape(path))
  local buf = vim.api.nvim_get_current_buf()
  local client = H.wait(15000, function()
    local c = vim.lsp.get_clients({ bufnr = buf, name = plan_lsp.name })[1]
    return c and c.initialized and c
  end, 'plan_lsp to attach to ' .. path)
  return buf, client
end

local function diagnostics(buf, code)
  return vim.tbl_filter(function(d)
    return d.code == code
  end, vim.diagnostic.get(buf))
end

--- The 0-based {row, col} of the first occurrence of `text` in the buffer.
local function find(buf, text)
  for row, line in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    local col = line:find(text, 1, true)
    if col then
      return row - 1, col - 1
    end
  end
  error('text not found: ' .. text)
end

local function sorted(list)
  local copy = vim.deepcopy(list)
  table.sort(copy)
  return copy
end

--- The server commands the plugin's source runs (each as a 'plan.xxx' string literal).
local function plugin_commands()
  local source = table.concat(vim.fn.readfile(plugin_dir .. '/lua/plan_lsp/init.lua'), '\n')
  local names = {}
  for name in source:gmatch("'(plan%.[%a]+)'") do
    names[name] = true
  end
  return vim.tbl_keys(names)
end

local buf, client

H.test('attaches to a Markdown plan with the contract capabilities', function()
  buf, client = open(plan_path)
  H.eq('markdown', vim.bo[buf].filetype, 'filetype')
  H.eq(workspace, client.root_dir, 'root_dir from the .git marker')
  H.match('plan%-lsp', tostring(client.server_info and client.server_info.name), 'server_info.name')
  local caps = client.server_capabilities
  H.ok(caps.textDocumentSync, 'textDocumentSync')
  H.ok(caps.hoverProvider, 'hoverProvider')
  H.ok(caps.definitionProvider, 'definitionProvider')
  H.ok(caps.codeActionProvider, 'codeActionProvider')
  local commands = caps.executeCommandProvider and caps.executeCommandProvider.commands or {}
  -- The server's own command table: [{name, argument, needs}].
  local declared = vim.tbl_get(caps, 'experimental', 'planLsp', 'commands')
  H.ok(type(declared) == 'table' and #declared > 0, 'experimental.planLsp.commands: ' .. vim.inspect(caps.experimental))
  local names = {}
  for _, c in ipairs(declared) do
    H.ok(vim.tbl_contains({ 'nothing', 'gitHub', 'llm' }, c.needs), c.name .. ' says what it needs: ' .. vim.inspect(c))
    table.insert(names, c.name)
  end
  table.sort(names)
  H.eq(names, sorted(commands), 'executeCommandProvider offers exactly the table')
  for _, name in ipairs(plugin_commands()) do
    H.ok(vim.tbl_contains(names, name), 'the plugin runs ' .. name .. ', which the server declares')
  end
  H.ok(vim.lsp.buf_is_attached(buf, client.id), 'didOpen sent (buffer attached)')
end)

H.test('every command of the server\'s table goes through the plugin to the server', function()
  for _, c in ipairs(vim.tbl_get(client.server_capabilities, 'experimental', 'planLsp', 'commands')) do
    local mark = #notes
    -- Arguments no command accepts: the server's own refusal comes back, so the request got there.
    plan_lsp.execute(client, c.name, { bogus = true }, buf)
    local shown = H.wait(5000, function()
      return notes[mark + 1]
    end, 'the answer to ' .. c.name)
    H.eq(vim.log.levels.ERROR, shown.level, c.name .. ': ' .. shown.msg)
    H.match('^plan%-lsp: ' .. c.name:gsub('%p', '%%%0') .. ' failed: .*bad arguments', shown.msg, c.name)
  end
end)

H.test('a placeholder gets a diagnostic whose message is its question', function()
  local d = H.wait(10000, function()
    return diagnostics(buf, 'placeholder')[1]
  end, 'a placeholder diagnostic')
  local row, col = find(buf, '[NEEDS CLARIFICATION')
  H.eq(QUESTION, d.message, 'message')
  H.eq('plan-lsp', d.source, 'source')
  H.eq(row, d.lnum, 'line')
  H.eq(col, d.col, 'column')
  H.eq(1, #diagnostics(buf, 'placeholder'), 'exactly one placeholder')
end)

H.test('hover on the placeholder shows its question', function()
  local row, col = find(buf, '[NEEDS CLARIFICATION')
  vim.api.nvim_win_set_cursor(0, { row + 1, col + 3 })
  local res = client:request_sync('textDocument/hover', vim.lsp.util.make_position_params(0, client.offset_encoding), 5000, buf)
  H.ok(res and not res.err, 'hover answered: ' .. vim.inspect(res and res.err))
  local contents = res.result and res.result.contents
  local text = type(contents) == 'table' and (contents.value or vim.inspect(contents)) or tostring(contents)
  H.match((QUESTION:gsub('%p', '%%%0')), text, 'hover contents')
  -- And through the UI: K/vim.lsp.buf.hover() opens a float with the question.
  vim.lsp.buf.hover()
  local float = H.wait(5000, function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= '' then
        return win
      end
    end
  end, 'the hover float')
  local float_text = table.concat(vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(float), 0, -1, false), '\n')
  H.match((QUESTION:gsub('%p', '%%%0')), float_text, 'float text')
  vim.fn.writefile(vim.split(float_text, '\n'), out .. '/hover.txt')
  -- What the user reads: the kind without a stray bracket, this plugin's own commands, each
  -- action on its own line, no raw quote marker, no internal command ids.
  H.match('Open question P1 · NEEDS CLARIFICATION', float_text, 'heading')
  H.match(':PlanAnswer', float_text, 'names :PlanAnswer')
  H.ok(not float_text:find('plan.answerPlaceholder', 1, true), 'no internal command id:\n' .. float_text)
  H.ok(not float_text:find('[NEEDS', 1, true), 'no stray bracket:\n' .. float_text)
  for _, line in ipairs(vim.split(float_text, '\n')) do
    H.ok(not line:match('^%s*>'), 'no raw "> ": ' .. line)
    H.ok(not line:match('^%s*,'), 'no line starting with a comma: ' .. line)
  end
  vim.api.nvim_win_close(float, true)
end)

H.test('the recommended setup shows the message text, maps gd and borders the hover', function()
  -- What the user sees at the end of the placeholder's line: the question, not just a sign.
  local row = find(buf, '[NEEDS CLARIFICATION')
  local shown = H.wait(5000, function()
    for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(buf, -1, { row, 0 }, { row, -1 }, { details = true })) do
      for _, chunk in ipairs(mark[4].virt_text or {}) do
        if chunk[1]:find(QUESTION, 1, true) then
          return chunk[1]
        end
      end
    end
  end, 'the question as virtual text on line ' .. (row + 1))
  H.match('Should the greeting', shown, 'virtual text')
  local gd = vim.fn.maparg('gd', 'n', false, true)
  H.eq(1, gd.buffer, 'gd is mapped in the plan buffer')
  H.match('definition', gd.desc or '', 'gd mapping')
  local r, c = find(buf, '[NEEDS CLARIFICATION')
  vim.api.nvim_win_set_cursor(0, { r + 1, c + 3 })
  vim.cmd('normal K')
  local float = H.wait(5000, function()
    for _, win in ipairs(vim.api.nvim_list_wins()) do
      if vim.api.nvim_win_get_config(win).relative ~= '' then
        return win
      end
    end
  end, 'the hover float from K')
  local border = vim.api.nvim_win_get_config(float).border
  H.ok(type(border) == 'table' and #border > 0, 'the hover float has a border: ' .. vim.inspect(border))
  vim.api.nvim_win_close(float, true)
end)

--- The virtual text shown on a 0-based row (diagnostic messages, code lenses), all namespaces.
local function virtual_text(b, row)
  local texts = {}
  for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(b, -1, { row, 0 }, { row, -1 }, { details = true })) do
    for _, chunk in ipairs(mark[4].virt_text or {}) do
      table.insert(texts, chunk[1])
    end
  end
  return table.concat(texts, ' ')
end

--- Runs fn with vim.ui.input and vim.ui.select answering "cancel"; returns what they were shown.
local function cancelling_prompts(fn)
  local shown = { inputs = {}, selects = {} }
  local orig_input, orig_select = vim.ui.input, vim.ui.select
  vim.ui.input = function(opts, on_confirm)
    table.insert(shown.inputs, opts)
    on_confirm(nil)
  end
  vim.ui.select = function(items, opts, on_choice)
    table.insert(shown.selects, vim.tbl_map(function(item)
      return opts.format_item and opts.format_item(item) or tostring(item)
    end, items))
    on_choice(nil)
  end
  local ok, err = pcall(fn, shown)
  vim.ui.input, vim.ui.select = orig_input, orig_select
  if not ok then
    error(err, 0)
  end
  return shown
end

--- The titles vim.lsp.buf.code_action() lists at the cursor, in the order the user sees them.
local function code_action_menu()
  local shown = cancelling_prompts(function(shown)
    vim.lsp.buf.code_action()
    H.wait(5000, function()
      return shown.selects[1]
    end, 'the code action menu')
  end)
  return shown.selects[1]
end

H.test('one code lens, on the section holding the open question, and it asks that question', function()
  vim.cmd.buffer(buf)
  local heading = find(buf, '### Overview')
  -- The recommended setup asks for the lenses on attach.
  local lenses = H.wait(10000, function()
    local l = vim.lsp.codelens.get(buf)
    return #l > 0 and l
  end, 'code lenses in the plan')
  local titles = vim.tbl_map(function(l)
    return l.command and l.command.title
  end, lenses)
  H.eq(1, #lenses, 'one lens in the whole plan (not on the H1 and H2 above it): ' .. vim.inspect(titles))
  H.eq(heading, lenses[1].range.start.line, 'on the ### Overview heading')
  H.match('^P1: Should the greeting be localized%?', titles[1], 'the lens names the question')
  -- What the user sees: the lens at the end of that heading line, and no other.
  H.wait(5000, function()
    return virtual_text(buf, heading):find(titles[1], 1, true)
  end, 'the lens shown on line ' .. (heading + 1))
  for row = 0, vim.api.nvim_buf_line_count(buf) - 1 do
    if row ~= heading then
      H.ok(not virtual_text(buf, row):find('answer…', 1, true), 'no lens on line ' .. (row + 1) .. ': ' .. virtual_text(buf, row))
    end
  end
  -- Running it (vim.lsp.codelens.run() on that line) asks the question, with no list to pick from.
  local before = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  vim.api.nvim_win_set_cursor(0, { heading + 1, 0 })
  local shown = cancelling_prompts(function(shown)
    vim.lsp.codelens.run()
    H.wait(5000, function()
      return shown.inputs[1]
    end, 'the lens to ask for the answer')
  end)
  H.match((QUESTION:gsub('%p', '%%%0')), shown.inputs[1].prompt, 'the prompt is the question')
  H.eq(0, #shown.selects, 'the lens names its placeholder: no list to pick from')
  H.eq(before, vim.api.nvim_buf_get_lines(buf, 0, -1, false), 'cancelled: nothing changed')
end)

H.test('the quick fix for the placeholder under the cursor is listed first', function()
  vim.cmd.buffer(buf)
  local row, col = find(buf, '[NEEDS CLARIFICATION')
  vim.api.nvim_win_set_cursor(0, { row + 1, col + 3 })
  local menu = code_action_menu()
  H.eq('Move placeholder P1 to Open questions', menu[1], 'first of ' .. vim.inspect(menu))
  for _, title in ipairs(menu) do
    H.ok(not title:find('^Insert'), 'no section insertion offered on a placeholder: ' .. vim.inspect(menu))
  end
end)

-- The missing-section diagnostic for "Best Practices", once it is there.
local function missing_best_practices()
  return H.wait(10000, function()
    for _, x in ipairs(diagnostics(buf, 'missing-section')) do
      if x.message:find('Best Practices', 1, true) then
        return x
      end
    end
  end, 'the missing-section diagnostic for Best Practices')
end

H.test('a missing section is reported on the heading it goes before, not on the title', function()
  vim.cmd.buffer(buf)
  local d = missing_best_practices()
  H.eq('Missing required section "Best Practices"', d.message, 'message')
  H.eq((find(buf, '## Proposed Implementation')), d.lnum, 'line')
  H.eq({}, vim.diagnostic.get(buf, { lnum = (find(buf, '# Plan: Greet people')) }), 'nothing on the title')
  H.wait(5000, function()
    return virtual_text(buf, d.lnum):find(d.message, 1, true)
  end, 'the message shown at the end of line ' .. (d.lnum + 1))
end)

H.test('a sparse plan: missing sections on the heading they follow, their own fixes before "Insert all"', function()
  local sparse = open(workspace .. '/plans/sparse.plan.md')
  local missing = H.wait(10000, function()
    local m = diagnostics(sparse, 'missing-section')
    return #m == 2 and m
  end, 'two missing-section diagnostics')
  local status_row = find(sparse, '## Status quo')
  for _, d in ipairs(missing) do
    H.eq(status_row, d.lnum, d.message .. ': line')
  end
  H.eq({}, vim.diagnostic.get(sparse, { lnum = (find(sparse, '# Plan: Say goodbye')) }), 'nothing on the title')
  vim.api.nvim_win_set_cursor(0, { status_row + 1, 3 })
  local menu = code_action_menu()
  H.match('^Insert missing section "', menu[1], 'first of ' .. vim.inspect(menu))
  H.match('^Insert missing section "', menu[2], 'second of ' .. vim.inspect(menu))
  H.eq('Insert all missing sections (2)', menu[3], 'then all of them, in ' .. vim.inspect(menu))
  vim.cmd.buffer(buf)
end)

H.test('a bare TBD in prose: the message quotes it', function()
  local tbd = open(workspace .. '/plans/owner-tbd.md')
  vim.api.nvim_buf_set_lines(tbd, 0, -1, false, { '# Plan: Name an owner', '', '## Status quo', '', 'The owner is TBD for now.' })
  local d = H.wait(10000, function()
    return diagnostics(tbd, 'placeholder')[1]
  end, 'a placeholder diagnostic')
  local row, col = find(tbd, 'TBD')
  H.eq('Unresolved placeholder "TBD"', d.message, 'message')
  H.eq({ row, col }, { d.lnum, d.col }, 'position')
  H.wait(5000, function()
    return virtual_text(tbd, row):find('Unresolved placeholder "TBD"', 1, true)
  end, 'the message shown at the end of line ' .. (row + 1))
  vim.cmd('bwipeout!')
  vim.cmd.buffer(buf)
end)

H.test('gd on `src/lib.rs:3` opens the file at line 3', function()
  local row, col = find(buf, 'src/lib.rs:3')
  vim.api.nvim_win_set_cursor(0, { row + 1, col + 2 })
  vim.cmd('normal gd')
  H.wait(5000, function()
    return vim.fn.resolve(vim.api.nvim_buf_get_name(0)) == lib_path
  end, 'src/lib.rs to open (current: ' .. vim.api.nvim_buf_get_name(0) .. ')')
  H.eq(3, vim.api.nvim_win_get_cursor(0)[1], 'cursor line')
  vim.cmd.buffer(buf)
end)

H.test('in a folder without .git, the root is the plan\'s folder and definition still works', function()
  local loose = vim.fs.normalize(vim.fn.resolve(vim.fn.tempname()))
  vim.fn.mkdir(loose, 'p')
  vim.fn.writefile({ 'fn helper() {}', 'pub fn other() {}' }, loose .. '/helper.rs')
  vim.fn.writefile({ '# Plan: loose', '', '## Status quo', '', 'See `helper.rs:2`.' }, loose .. '/loose.md')
  local lbuf, lclient = open(loose .. '/loose.md')
  H.eq(loose, lclient.root_dir, 'root_dir falls back to the plan\'s folder')
  local row, col = find(lbuf, 'helper.rs:2')
  vim.api.nvim_win_set_cursor(0, { row + 1, col + 2 })
  local res = lclient:request_sync('textDocument/definition', vim.lsp.util.make_position_params(0, lclient.offset_encoding), 5000, lbuf)
  H.ok(res and not res.err, 'definition answered: ' .. vim.inspect(res and res.err))
  local loc = res.result and (res.result[1] or res.result)
  H.ok(loc and (loc.uri or loc.targetUri), 'a location: ' .. vim.inspect(res.result))
  H.eq(vim.uri_from_fname(loose .. '/helper.rs'), loc.uri or loc.targetUri, 'the file beside the plan')
  vim.cmd.buffer(buf)
  -- Later tests count settings pulls of the one workspace client.
  vim.api.nvim_buf_delete(lbuf, { force = true })
  lclient:stop(true)
  H.wait(5000, function()
    return lclient:is_stopped()
  end, 'the second client to stop')
end)

H.test('go to definition on `src/lib.rs:3` opens the file at line 3', function()
  local row, col = find(buf, 'src/lib.rs:3')
  vim.api.nvim_win_set_cursor(0, { row + 1, col + 2 })
  vim.lsp.buf.definition()
  H.wait(5000, function()
    return vim.fn.resolve(vim.api.nvim_buf_get_name(0)) == lib_path
  end, 'src/lib.rs to open (current: ' .. vim.api.nvim_buf_get_name(0) .. ')')
  H.eq(3, vim.api.nvim_win_get_cursor(0)[1], 'cursor line')
  H.match('^pub fn greet', vim.api.nvim_get_current_line(), 'the line')
  vim.cmd.buffer(buf)
  H.eq(buf, vim.api.nvim_get_current_buf(), 'back in the plan')
end)

H.test('the "Insert missing section" quick fix adds the section and its diagnostic goes', function()
  local d = missing_best_practices()
  local missing_before = #diagnostics(buf, 'missing-section')
  -- The quick fix, as offered for that diagnostic.
  local params = vim.lsp.util.make_range_params(0, client.offset_encoding)
  params.range = {
    start = { line = d.lnum, character = 0 },
    ['end'] = { line = d.end_lnum or d.lnum, character = 0 },
  }
  params.context = { diagnostics = { d.user_data.lsp }, only = { 'quickfix' } }
  local res = client:request_sync('textDocument/codeAction', params, 5000, buf)
  H.ok(res and not res.err and res.result, 'codeAction answered: ' .. vim.inspect(res and res.err))
  local titles = vim.tbl_map(function(a)
    return a.title
  end, res.result)
  local fixes = vim.tbl_filter(function(a)
    return a.title:find('^Insert missing section') ~= nil and a.title:find('Best Practices', 1, true) ~= nil
  end, res.result)
  H.eq(1, #fixes, 'one "Insert missing section" fix for Best Practices among ' .. vim.inspect(titles))
  -- Apply it through the UI path (vim.lsp.buf.code_action), cursor on the diagnostic.
  vim.api.nvim_win_set_cursor(0, { d.lnum + 1, d.col })
  vim.lsp.buf.code_action({
    apply = true,
    context = { diagnostics = { d.user_data.lsp }, only = { 'quickfix' } },
    filter = function(a)
      return a.title == fixes[1].title
    end,
  })
  H.wait(5000, function()
    return pcall(find, buf, 'Best Practices') and vim.tbl_contains(
      vim.tbl_map(function(l)
        return vim.trim(l)
      end, vim.api.nvim_buf_get_lines(buf, 0, -1, false)),
      '## Best Practices'
    )
  end, 'the "## Best Practices" heading in the buffer')
  H.wait(10000, function()
    for _, x in ipairs(diagnostics(buf, 'missing-section')) do
      if x.message:find('Best Practices', 1, true) then
        return false
      end
    end
    return #diagnostics(buf, 'missing-section') < missing_before or missing_before == 1
  end, 'the Best Practices diagnostic to go')
  vim.fn.writefile(vim.api.nvim_buf_get_lines(buf, 0, -1, false), out .. '/greeting-after-quickfix.md')
  local kept = vim.tbl_filter(function(x)
    return x.message == QUESTION
  end, diagnostics(buf, 'placeholder'))
  H.eq(1, #kept, 'the original placeholder diagnostic stays')
end)

H.test(':PlanInsertSections inserts every missing section into the buffer', function()
  local sparse, _ = open(workspace .. '/plans/sparse.plan.md')
  H.wait(10000, function()
    return #diagnostics(sparse, 'missing-section') > 0
  end, 'missing-section diagnostics on sparse.plan.md')
  local before = vim.api.nvim_buf_get_lines(sparse, 0, -1, false)
  vim.cmd('PlanInsertSections')
  H.wait(10000, function()
    return #vim.api.nvim_buf_get_lines(sparse, 0, -1, false) > #before
  end, 'the buffer to grow')
  local text = table.concat(vim.api.nvim_buf_get_lines(sparse, 0, -1, false), '\n')
  H.match('\n## Best Practices', text, 'Best Practices inserted')
  H.match('\n## Proposed Implementation', text, 'Proposed Implementation inserted')
  H.match('^%-%-%-\ntemplate: implementation%-plan\n%-%-%-\n# Plan: Say goodbye\n', text, 'front matter and title stay first')
  H.match('Nothing says goodbye yet', text, 'existing text kept')
  H.wait(10000, function()
    return #diagnostics(sparse, 'missing-section') == 0
  end, 'no missing-section diagnostics left')
  H.ok(note_matching('inserted', vim.log.levels.INFO), 'the user is told what was inserted')
  vim.cmd.buffer(buf)
end)

H.test(':PlanStatus puts the open question in the location list', function()
  vim.cmd.buffer(buf)
  vim.fn.setloclist(0, {}, 'f')
  vim.cmd('PlanStatus')
  local items = H.wait(5000, function()
    local l = vim.fn.getloclist(0)
    return #l > 0 and l
  end, 'the location list')
  local row = find(buf, '[NEEDS CLARIFICATION')
  local mine = vim.tbl_filter(function(i)
    return i.text:find(QUESTION, 1, true) ~= nil
  end, items)
  H.eq(1, #mine, 'one entry for the question among ' .. vim.inspect(vim.tbl_map(function(i)
    return i.text
  end, items)))
  H.eq(row + 1, mine[1].lnum, 'its line')
  H.eq(buf, mine[1].bufnr, 'its buffer')
  H.ok(note_matching(' open, ', vim.log.levels.INFO), 'the summary is shown')
end)

H.test('a command the server cannot run shows the server\'s own message', function()
  vim.cmd.buffer(buf)
  -- The server's answer to the same request, asked directly.
  local direct = client:request_sync('workspace/executeCommand', {
    command = 'plan.fillSection',
    arguments = { { uri = vim.uri_from_bufnr(buf), section = 'Status quo' } },
  }, 10000, buf)
  H.ok(direct and direct.err and direct.err.message ~= '', 'without an LLM the server refuses plan.fillSection: ' .. vim.inspect(direct))
  local before = #notes
  local orig_input = vim.ui.input
  vim.ui.input = function(_, on_confirm)
    on_confirm('')
  end
  vim.cmd('PlanFill Status quo')
  vim.ui.input = orig_input
  local shown = H.wait(10000, function()
    for i = before + 1, #notes do
      if notes[i].level == vim.log.levels.ERROR then
        return notes[i]
      end
    end
  end, 'an error notification')
  H.ok(shown.msg:find(direct.err.message, 1, true), ('the notification %q carries the server message %q'):format(shown.msg, direct.err.message))
  H.match('plan%.fillSection', shown.msg, 'names the command')
end)

H.test(':PlanAnswer answers the placeholder at the cursor and its diagnostic goes', function()
  vim.cmd.buffer(buf)
  local row, col = find(buf, '[NEEDS CLARIFICATION')
  vim.api.nvim_win_set_cursor(0, { row + 1, col })
  vim.cmd('PlanAnswer English only for now')
  H.wait(10000, function()
    return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n'):find('English only for now', 1, true)
  end, 'the answer in the buffer')
  H.wait(10000, function()
    for _, d in ipairs(diagnostics(buf, 'placeholder')) do
      if d.message == QUESTION then
        return false
      end
    end
    return true
  end, 'the placeholder diagnostic to go')
  vim.fn.writefile(vim.api.nvim_buf_get_lines(buf, 0, -1, false), out .. '/greeting-after-answer.md')
  H.ok(note_matching('answered', vim.log.levels.INFO), 'the user is told')
end)

local fake_llm = require('fake_llm')

-- Count the server's workspace/configuration pulls, to know when it has read new settings.
local config_pulls = 0
local default_configuration = vim.lsp.handlers['workspace/configuration']
vim.lsp.handlers['workspace/configuration'] = function(...)
  config_pulls = config_pulls + 1
  return default_configuration(...)
end

--- Points the server at a local model endpoint (live, through didChangeConfiguration) and waits
--- until the server has pulled the new settings.
local function use_llm(llm)
  local pulls = config_pulls
  plan_lsp.update_settings({ llm = { apiBase = llm.url, model = 'editor-test', timeoutSeconds = 60 } })
  H.wait(5000, function()
    return config_pulls > pulls
  end, 'the server to pull the new settings')
end

--- Runs `run` until the endpoint sees a request. The server pulls the new settings after
--- didChangeConfiguration; until it has them it answers "LLM not configured", so ask again then.
local function until_request(llm, run, what)
  local deadline = vim.uv.now() + 15000
  while vim.uv.now() < deadline do
    local mark, seen = #notes, #llm.requests
    run()
    local outcome
    vim.wait(10000, function()
      if #llm.requests > seen then
        outcome = 'request'
        return true
      end
      for i = mark + 1, #notes do
        if notes[i].level == vim.log.levels.ERROR then
          outcome = notes[i].msg
          return true
        end
      end
    end, 20)
    if outcome == 'request' then
      return llm.requests[#llm.requests]
    end
    -- Until the server applied the new settings it answers from the old ones: no LLM, or the
    -- endpoint of the previous test (closed by now).
    local stale = outcome
      and (outcome:find('LLM not configured', 1, true) or (outcome:find('http://127.0.0.1:', 1, true) and not outcome:find(llm.url, 1, true)))
    if outcome and not stale then
      error('unexpected error while waiting for ' .. what .. ': ' .. outcome, 2)
    end
    vim.wait(200)
  end
  error('timed out waiting for ' .. what, 2)
end

local function buffer_text(b)
  return table.concat(vim.api.nvim_buf_get_lines(b, 0, -1, false), '\n')
end

--- Runs fn with vim.ui.input answering from `answers` in turn; records each call's opts.
local function with_inputs(answers, fn)
  local asked = {}
  local orig = vim.ui.input
  vim.ui.input = function(opts, on_confirm)
    table.insert(asked, opts)
    on_confirm(table.remove(answers, 1))
  end
  local ok, err = pcall(fn, asked)
  vim.ui.input = orig
  if not ok then
    error(err, 0)
  end
  return asked
end

H.test(':PlanFill drafts the section with the model and the draft lands in the buffer', function()
  vim.cmd.buffer(buf)
  local draft = 'The greeting lives in `greet`, which takes no arguments and always greets the world.'
  local llm = fake_llm.start(function()
    return draft
  end)
  local ok, err = pcall(function()
    use_llm(llm)
    local request
    with_inputs({ 'mention the test', 'mention the test', 'mention the test', 'mention the test' }, function()
      request = until_request(llm, function()
        vim.cmd('PlanFill Status quo')
      end, 'the fill request')
    end)
    H.eq('/v1/chat/completions', request._path, 'endpoint path')
    H.eq(true, request.stream, 'the draft is streamed')
    H.eq('editor-test', request.model, 'model from the settings')
    local prompt = fake_llm.prompt_text(request)
    H.ok(prompt:find('Status quo', 1, true), 'the prompt names the section')
    H.ok(prompt:find('mention the test', 1, true), 'the prompt carries the instruction')
    H.wait(10000, function()
      return buffer_text(buf):find(draft, 1, true)
    end, 'the draft in the buffer')
    local text = buffer_text(buf)
    H.ok(not text:find('The library greets everyone the same way', 1, true), 'the old body was replaced')
    H.match('\n## Status quo\n', text, 'the heading stays')
    H.match('\n## Proposed Implementation\n', text, 'the next section stays')
  end)
  llm:close()
  if not ok then
    error(err, 0)
  end
end)

H.test(':[range]PlanRefine rewrites exactly those lines with the model', function()
  vim.cmd.buffer(buf)
  local rewrite = 'Nothing outside this crate calls `greet`, so the new signature breaks no one.'
  local llm = fake_llm.start(function()
    return rewrite
  end)
  local ok, err = pcall(function()
    use_llm(llm)
    local row = find(buf, 'Callers of the old signature break')
    local before = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    local request = until_request(llm, function()
      vim.cmd(('%dPlanRefine make it precise'):format(row + 1))
    end, 'the refine request')
    local prompt = fake_llm.prompt_text(request)
    H.ok(prompt:find('Callers of the old signature break', 1, true), 'the prompt carries the selection')
    H.ok(prompt:find('make it precise', 1, true), 'the prompt carries the instruction')
    H.wait(10000, function()
      return buffer_text(buf):find(rewrite, 1, true)
    end, 'the rewrite in the buffer')
    local after = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    H.eq(#before, #after, 'line count unchanged')
    H.eq(rewrite, after[row + 1], 'the line was rewritten')
    for i, line in ipairs(before) do
      if i ~= row + 1 then
        H.eq(line, after[i], 'line ' .. i .. ' untouched')
      end
    end
  end)
  llm:close()
  if not ok then
    error(err, 0)
  end
end)

H.test(':PlanAnswer with an empty answer offers the model\'s suggestion to accept', function()
  vim.cmd.buffer(buf)
  local suggestion = 'Follow the Rust API guidelines for naming and documentation.'
  local llm = fake_llm.start(function()
    return suggestion
  end)
  local ok, err = pcall(function()
    use_llm(llm)
    local question = 'Which established practices, libraries or prior art apply here?'
    local row, col = find(buf, '[PLACEHOLDER: Which established practices')
    vim.api.nvim_win_set_cursor(0, { row + 1, col })
    local asked
    -- First prompt: empty answer (asks for a suggestion); second prompt: accept its default.
    local answers = {}
    local orig = vim.ui.input
    asked = {}
    vim.ui.input = function(opts, on_confirm)
      table.insert(asked, opts)
      if opts.default then
        on_confirm(opts.default)
      else
        on_confirm(table.remove(answers, 1) or '')
      end
    end
    local run_ok, run_err = pcall(until_request, llm, function()
      vim.cmd('PlanAnswer')
    end, 'the suggestion request')
    H.ok(run_ok, run_err)
    H.wait(10000, function()
      return buffer_text(buf):find(suggestion, 1, true)
    end, 'the accepted suggestion in the buffer')
    vim.ui.input = orig
    local request = llm.requests[#llm.requests]
    H.ok(not request.stream, 'a suggestion is one plain completion')
    H.ok(fake_llm.prompt_text(request):find(question, 1, true), 'the prompt carries the question')
    H.eq(suggestion, asked[#asked].default, 'the suggestion is offered for editing')
    H.wait(10000, function()
      for _, d in ipairs(diagnostics(buf, 'placeholder')) do
        if d.message == question then
          return false
        end
      end
      return true
    end, 'the answered placeholder\'s diagnostic to go')
  end)
  llm:close()
  if not ok then
    error(err, 0)
  end
end)

H.test('a long command reports progress and :PlanCancel cancels it', function()
  vim.cmd.buffer(buf)
  -- A model endpoint that accepts the request and never answers, so the command stays busy.
  local llm = fake_llm.start(function()
    return nil
  end)
  local progress = {}
  local au = vim.api.nvim_create_autocmd('LspProgress', {
    callback = function(ev)
      if ev.data.client_id == client.id and type(ev.data.params.value) == 'table' then
        table.insert(progress, ev.data.params.value)
      end
    end,
  })
  local function saw(kind)
    for _, v in ipairs(progress) do
      if v.kind == kind then
        return v
      end
    end
  end
  local ok, err = pcall(function()
    use_llm(llm)
    local before = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
    with_inputs({ '', '', '', '' }, function()
      until_request(llm, function()
        vim.cmd('PlanFill Status quo')
      end, 'the fill request')
    end)
    local begin = H.wait(5000, function()
      return saw('begin')
    end, 'a $/progress begin from the server')
    H.eq(true, begin.cancellable, 'the progress is cancellable')
    local mark = #notes
    vim.cmd('PlanCancel')
    H.match('cancelled 1 request', notes[mark + 1] and notes[mark + 1].msg, ':PlanCancel reports')
    H.wait(10000, function()
      return saw('end')
    end, 'the server to end its progress after the cancel')
    H.eq(before, vim.api.nvim_buf_get_lines(buf, 0, -1, false), 'nothing was applied')
    -- The server is still responsive.
    local res = client:request_sync('textDocument/documentSymbol', {
      textDocument = { uri = vim.uri_from_bufnr(buf) },
    }, 5000, buf)
    H.ok(res and not res.err and type(res.result) == 'table' and #res.result > 0, 'document symbols still answer: ' .. vim.inspect(res))
  end)
  vim.api.nvim_del_autocmd(au)
  plan_lsp.update_settings({ llm = { apiBase = '', model = '' } })
  llm:close()
  if not ok then
    error(err, 0)
  end
end)

H.test(':PlanGatherContext shows the codebase context in a scratch buffer', function()
  vim.cmd.buffer(buf)
  -- The ranking reads the code index, which the server builds in the background at startup.
  H.wait(20000, function()
    return progress_done('^Indexing')
  end, 'the server to finish indexing the workspace')
  local mark = #notes
  vim.cmd('PlanGatherContext! greet')
  H.wait(15000, function()
    return vim.api.nvim_buf_get_name(0):find('^plan%-context://')
  end, 'the context buffer')
  local scratch = vim.api.nvim_get_current_buf()
  local text = buffer_text(scratch)
  vim.fn.writefile(vim.split(text, '\n'), out .. '/gather-context.md')
  H.ok(text:find('src/lib.rs', 1, true), 'the context names src/lib.rs:\n' .. text)
  H.eq('nofile', vim.bo[scratch].buftype, 'a scratch buffer')
  H.eq('markdown', vim.bo[scratch].filetype, 'shown as Markdown')
  H.eq(0, #vim.lsp.get_clients({ bufnr = scratch }), 'the server does not lint the scratch buffer')
  vim.cmd('close')
  H.eq(buf, vim.api.nvim_get_current_buf(), 'back in the plan')
  H.match('gathered [1-9]%d* file%(s%) and %d+ document%(s%) under Status quo', notes[mark + 1] and notes[mark + 1].msg, 'the summary')
  -- The server wrote the same block under Status quo in the plan itself.
  local plan_text = buffer_text(buf)
  H.ok(plan_text:find(vim.split(text, '\n')[1], 1, true), 'the context block is in the plan')
end)

-- One local GitHub for :PlanNew, :PlanAsk and :PlanSync (closed after the last of them).
local gh

H.test(':PlanNew {owner/repo#N} writes a plan from the issue and opens it', function()
  local fake_github = require('fake_github')
  gh = fake_github.start({
    owner = 'acme',
    repo = 'rocket',
    number = 12,
    title = 'Retry failed uploads',
    body = 'Uploads fail on flaky networks.',
    labels = { 'bug', 'network' },
  })
  local ok, err = pcall(function()
    local pulls = config_pulls
    plan_lsp.update_settings({ github = { apiUrl = gh.url } })
    H.wait(5000, function()
      return config_pulls > pulls
    end, 'the server to pull the new settings')
    vim.cmd('PlanNew acme/rocket#12')
    H.wait(15000, function()
      return vim.api.nvim_buf_get_name(0):find('/plans/12%-[^/]*%.md$')
    end, 'the new plan to open (current: ' .. vim.api.nvim_buf_get_name(0) .. ')')
    local path = vim.api.nvim_buf_get_name(0)
    H.ok(vim.startswith(vim.fn.resolve(path), vim.fn.resolve(workspace) .. '/plans/'), 'created in the workspace: ' .. path)
    local text = buffer_text(0)
    H.match('issue: acme/rocket#12', text, 'the front matter names the issue')
    H.ok(text:find('Uploads fail on flaky networks.', 1, true), 'the issue text is in the plan:\n' .. text)
    H.ok(gh.requests[1] and gh.requests[1].path:find('/repos/acme/rocket/issues/12', 1, true), 'GitHub was asked for the issue')
    -- No token in the settings: the one in Neovim's environment (run.sh sets it) reached the server.
    local env_token = assert(os.getenv('GITHUB_TOKEN'), 'run.sh sets GITHUB_TOKEN')
    H.eq('token ' .. env_token, (gh.requests[1].headers.authorization or ''):gsub('^[Bb]earer', 'token'), 'the token from the environment is sent')
    H.wait(10000, function()
      return vim.lsp.get_clients({ bufnr = 0, name = plan_lsp.name })[1]
    end, 'the server attached to the new plan')
    vim.fn.writefile(vim.api.nvim_buf_get_lines(0, 0, -1, false), out .. '/plan-new.md')
  end)
  if not ok then
    error(err, 0)
  end
end)

H.test(':PlanAsk posts the open questions on the issue and :PlanSync! writes the replies in', function()
  local ok, err = pcall(function()
    H.ok(gh and vim.api.nvim_buf_get_name(0):find('/plans/12%-'), 'runs on the plan :PlanNew created')
    local plan = vim.api.nvim_get_current_buf()
    local question = 'Which storage backend retries the upload?'
    local row = find(plan, '## Status quo')
    vim.api.nvim_buf_set_lines(plan, row + 1, row + 1, false, { '', '[NEEDS CLARIFICATION: ' .. question .. ']' })
    H.wait(5000, function()
      for _, d in ipairs(diagnostics(plan, 'placeholder')) do
        if d.message == question then
          return true
        end
      end
    end, 'the new question to be diagnosed')
    local pulls = config_pulls
    plan_lsp.update_settings({ github = { apiUrl = gh.url, token = 'test-token' } })
    H.wait(5000, function()
      return config_pulls > pulls
    end, 'the server to pull the token')
    local mark = #notes
    vim.cmd('PlanAsk')
    local posted = H.wait(10000, function()
      for i = mark + 1, #notes do
        if notes[i].msg:find('posted the open questions', 1, true) or notes[i].level == vim.log.levels.ERROR then
          return notes[i]
        end
      end
    end, 'the result of :PlanAsk')
    H.eq(vim.log.levels.INFO, posted.level, posted.msg)
    H.eq(1, #gh.comments, 'one comment posted')
    local asked = gh.comments[1]
    H.match('#issuecomment%-' .. asked.id, posted.msg, 'the user gets the comment URL')
    local id = asked.body:match('%*%*(P%d+)%*%*: ' .. question:gsub('%p', '%%%0'))
    H.ok(id, 'the comment lists the question with its id:\n' .. asked.body)
    local post = vim.tbl_filter(function(r)
      return r.method == 'POST'
    end, gh.requests)[1]
    H.eq('token test-token', post.headers.authorization and post.headers.authorization:gsub('^[Bb]earer', 'token'), 'the token from the settings is sent')
    H.wait(5000, function()
      return buffer_text(plan):find(tostring(asked.id), 1, true)
    end, 'the comment id recorded in the plan')
    -- Someone answers on GitHub.
    local answer = 'The S3 client retries three times with backoff.'
    gh:add_comment('reviewer', ('Thanks!\n\n%s: %s'):format(id, answer))
    mark = #notes
    vim.cmd('PlanSync!')
    H.wait(10000, function()
      return buffer_text(plan):find(answer, 1, true)
    end, 'the answer from the issue in the plan')
    H.wait(5000, function()
      return note_matching('applied 1 answer', vim.log.levels.INFO)
    end, 'the user to be told')
    H.wait(10000, function()
      for _, d in ipairs(diagnostics(plan, 'placeholder')) do
        if d.message == question then
          return false
        end
      end
      return true
    end, 'the answered question\'s diagnostic to go')
    vim.fn.writefile(vim.api.nvim_buf_get_lines(plan, 0, -1, false), out .. '/plan-after-sync.md')
  end)
  gh:close()
  if not ok then
    error(err, 0)
  end
end)

H.test(':checkhealth plan_lsp passes', function()
  vim.cmd('checkhealth plan_lsp')
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  local text = table.concat(lines, '\n')
  vim.fn.writefile(lines, out .. '/checkhealth.txt')
  local version = vim.trim(vim.system({ bin, '--version' }, { text = true }):wait(5000).stdout)
  H.match('^plan%-lsp %d+%.%d+%.%d+', version, 'plan-lsp --version')
  H.match('server binary: ' .. bin:gsub('%p', '%%%0'), text, 'binary reported')
  H.match('version: ' .. version:gsub('%p', '%%%0'), text, 'version reported')
  H.match('settings: ', text, 'settings reported')
  H.match('client %d+: ', text, 'running client reported')
  H.ok(not text:find('ERROR'), 'no ERROR in checkhealth:\n' .. text)
  H.ok(not text:find('WARNING'), 'no WARNING in checkhealth:\n' .. text)
  vim.cmd('bwipeout')
end)

H.finish()
