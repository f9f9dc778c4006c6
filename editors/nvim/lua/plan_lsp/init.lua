-- plan-lsp for Neovim 0.11+: registers the server with vim.lsp.config/vim.lsp.enable and adds
-- the :Plan* commands, each a thin call of the server's workspace/executeCommand.
local M = {}

M.name = 'plan_lsp'

--- Defaults of setup(opts); see :help plan_lsp-setup.
M.defaults = {
  cmd = { 'plan-lsp' },
  filetypes = { 'markdown' },
  -- The root is the nearest folder holding one of these, else the plan's own folder.
  root_markers = { '.git', '.plan-lsp' },
  -- The server's settings (docs/PROTOCOL.md): template, placeholders, severity, github, llm, index.
  settings = {},
  -- Echo the server's $/progress messages while a :Plan* command runs.
  progress = true,
  -- In plan buffers: `gd` goes to definition, `K` hovers in a bordered float, and plan-lsp's
  -- diagnostics show their message at the end of the line (Neovim 0.11 shows only a sign).
  recommended = true,
}

--- The workspace root for a buffer: the nearest folder holding one of `markers`, else the
--- buffer's folder (never none: without a root the server could resolve no reference).
function M.root_for(bufnr, markers)
  local root = vim.fs.root(bufnr, markers)
  if root then
    return root
  end
  local name = vim.api.nvim_buf_get_name(bufnr)
  if name == '' then
    return vim.fn.getcwd()
  end
  return vim.fs.dirname(vim.fs.normalize(vim.fn.fnamemodify(name, ':p')))
end

--- Effective options after setup(); nil before.
M.config = nil

-- Requests in flight from :Plan* commands, by request id, so :PlanCancel can cancel them.
local inflight = {}

local CANCELLED = { [-32800] = true, [-32802] = true }

local function notify(msg, level)
  vim.notify('plan-lsp: ' .. msg, level or vim.log.levels.INFO, { title = 'plan-lsp' })
end

-- Settings keys whose value is a JSON array; every other empty table is an object.
local ARRAY_KEYS = { patterns = true }

--- A copy of `value` that vim.json encodes as the server expects (`{}` not `[]` for empty objects).
function M.json_settings(value, key)
  if type(value) ~= 'table' or value == vim.NIL then
    return value
  end
  if next(value) == nil then
    return ARRAY_KEYS[key] and {} or vim.empty_dict()
  end
  local out = {}
  for k, v in pairs(value) do
    out[k] = M.json_settings(v, k)
  end
  return out
end

--- The client's `settings` table: answers workspace/configuration for the section `planLsp`.
local function client_settings(settings)
  return { planLsp = M.json_settings(settings) }
end

--- ATX headings outside fenced code blocks: { { title, level, lnum (1-based) } }.
function M.headings(lines)
  local out, fence = {}, nil
  for lnum, line in ipairs(lines) do
    local marker = line:match('^ ? ? ?(```+)') or line:match('^ ? ? ?(~~~+)')
    if marker then
      if not fence then
        fence = marker
      elseif marker:sub(1, 1) == fence:sub(1, 1) and #marker >= #fence then
        fence = nil
      end
    elseif not fence then
      local hashes, text = line:match('^ ? ? ?(#+)[ \t]+(.-)%s*$')
      if hashes and #hashes <= 6 then
        text = text:gsub('[ \t]+#+$', '')
        if text ~= '' then
          table.insert(out, { title = text, level = #hashes, lnum = lnum })
        end
      end
    end
  end
  return out
end

--- The LSP range covering lines line1..line2 (1-based, inclusive) of a buffer.
function M.line_range(bufnr, line1, line2, encoding)
  local count = vim.api.nvim_buf_line_count(bufnr)
  local range = { start = { line = line1 - 1, character = 0 } }
  if line2 < count then
    range['end'] = { line = line2, character = 0 }
  else
    local last = vim.api.nvim_buf_get_lines(bufnr, count - 1, count, false)[1] or ''
    range['end'] = { line = count - 1, character = vim.str_utfindex(last, encoding or 'utf-16') }
  end
  return range
end

--- The plan_lsp client attached to a buffer, or nil with an error shown.
function M.client(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and vim.api.nvim_get_current_buf() or bufnr
  local client = vim.lsp.get_clients({ bufnr = bufnr, name = M.name })[1]
  if not client then
    notify(
      'the server is not attached to this buffer. Open a Markdown plan ('
        .. table.concat((M.config or M.defaults).filetypes, ', ')
        .. ') and see :checkhealth plan_lsp',
      vim.log.levels.ERROR
    )
  end
  return client, bufnr
end

--- Any running plan_lsp client, starting one for the current directory's root when none runs.
local function any_client()
  local client = vim.lsp.get_clients({ name = M.name })[1]
  if client then
    return client
  end
  local cfg = vim.lsp.config[M.name]
  local root = M.root_for(0, M.config and M.config.root_markers or M.defaults.root_markers)
  local id = vim.lsp.start(vim.tbl_extend('force', cfg, { name = M.name, root_dir = root }), { attach = false })
  client = id and vim.lsp.get_client_by_id(id)
  if not client then
    notify('could not start ' .. table.concat(cfg.cmd or {}, ' ') .. ' (see :checkhealth plan_lsp)', vim.log.levels.ERROR)
    return nil
  end
  vim.wait(10000, function()
    return client.initialized == true
  end, 20)
  return client
end

--- Runs a server command; calls on_result(result) on success, shows the server's error otherwise.
--- Returns the request id (for cancellation) or nil.
function M.execute(client, command, args, bufnr, on_result)
  local caps = client.server_capabilities or {}
  local provided = caps.executeCommandProvider and caps.executeCommandProvider.commands or {}
  if not vim.tbl_contains(provided, command) then
    notify(
      ('this plan-lsp server does not offer %s; update plan-lsp (plan-lsp --version)'):format(command),
      vim.log.levels.ERROR
    )
    return nil
  end
  local request_id
  local ok, id = client:request('workspace/executeCommand', {
    command = command,
    arguments = { args },
  }, function(err, result)
    inflight[request_id] = nil
    if err then
      if CANCELLED[err.code] then
        notify(command .. ' cancelled', vim.log.levels.WARN)
      else
        notify(command .. ' failed: ' .. tostring(err.message), vim.log.levels.ERROR)
      end
      return
    end
    if on_result then
      on_result(result)
    end
  end, bufnr)
  if not ok then
    notify('the server has shut down; restart it with :lsp restart or reopen the buffer', vim.log.levels.ERROR)
    return nil
  end
  request_id = id
  inflight[id] = { client = client, command = command }
  return id
end

--- Cancels every :Plan* request still running. Returns how many were cancelled.
function M.cancel()
  local n = 0
  for id, req in pairs(inflight) do
    req.client:cancel_request(id)
    inflight[id] = nil
    n = n + 1
  end
  return n
end

local function uri_of(bufnr)
  return vim.uri_from_bufnr(bufnr)
end

local function pick_section(bufnr, on_pick)
  local cursor = vim.api.nvim_win_get_cursor(0)[1]
  local items = M.headings(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false))
  if #items == 0 then
    notify('this plan has no sections: add a heading first', vim.log.levels.ERROR)
    return
  end
  -- The section at the cursor first, then the rest in document order.
  local current
  for i, h in ipairs(items) do
    if h.lnum <= cursor then
      current = i
    end
  end
  if current then
    table.insert(items, 1, table.remove(items, current))
  end
  vim.ui.select(items, {
    prompt = 'Fill which section?',
    format_item = function(h)
      return string.rep('  ', h.level - 1) .. h.title .. '  (line ' .. h.lnum .. ')'
    end,
  }, function(choice)
    if choice then
      on_pick(choice.title)
    end
  end)
end

--- The placeholder named `wanted` (an id such as "P1", from a code lens), else the one on the
--- cursor line, else one chosen with vim.ui.select.
local function pick_placeholder(client, bufnr, wanted, on_pick)
  M.execute(client, 'plan.status', { uri = uri_of(bufnr) }, bufnr, function(status)
    local placeholders = status and status.placeholders or {}
    if #placeholders == 0 then
      notify('this plan has no open placeholders')
      return
    end
    local line = vim.api.nvim_win_get_cursor(0)[1] - 1
    for _, p in ipairs(placeholders) do
      if p.id == wanted then
        return on_pick(p)
      end
    end
    for _, p in ipairs(placeholders) do
      if p.line == line then
        return on_pick(p)
      end
    end
    vim.ui.select(placeholders, {
      prompt = 'Answer which placeholder?',
      format_item = function(p)
        return ('%s (line %d): %s'):format(p.id, p.line + 1, p.question)
      end,
    }, function(choice)
      if choice then
        on_pick(choice)
      end
    end)
  end)
end

local commands = {}

function commands.PlanNew(opts)
  local issue = vim.trim(opts.args)
  if issue == '' then
    return notify('usage: :PlanNew owner/repo#123 (or the issue URL)', vim.log.levels.ERROR)
  end
  local client = any_client()
  if not client then
    return
  end
  M.execute(client, 'plan.newFromIssue', { issue = issue }, nil, function(result)
    vim.cmd.edit(vim.fn.fnameescape(vim.uri_to_fname(result.uri)))
  end)
end

function commands.PlanInsertSections()
  local client, bufnr = M.client(0)
  if not client then
    return
  end
  M.execute(client, 'plan.insertMissingSections', { uri = uri_of(bufnr) }, bufnr, function(result)
    local inserted = result and result.inserted or {}
    if #inserted == 0 then
      notify('no sections were missing')
    else
      notify(('inserted %d section(s): %s'):format(#inserted, table.concat(inserted, ', ')))
    end
  end)
end

function commands.PlanGatherContext(opts)
  local client, bufnr = M.client(0)
  if not client then
    return
  end
  local args = { uri = uri_of(bufnr) }
  if vim.trim(opts.args) ~= '' then
    args.query = vim.trim(opts.args)
  end
  M.execute(client, 'plan.gatherContext', args, bufnr, function(result)
    -- The server wrote the block under Status quo; with ! it is shown on its own too.
    local files, documents = #(result.files or {}), #(result.documents or {})
    notify(('gathered %d file(s) and %d document(s) under Status quo'):format(files, documents))
    if not opts.bang then
      return
    end
    vim.cmd('botright new')
    local scratch = vim.api.nvim_get_current_buf()
    vim.bo[scratch].buftype = 'nofile'
    vim.bo[scratch].bufhidden = 'wipe'
    vim.bo[scratch].swapfile = false
    vim.api.nvim_buf_set_name(scratch, 'plan-context://' .. vim.fn.fnamemodify(vim.api.nvim_buf_get_name(bufnr), ':t'))
    vim.api.nvim_buf_set_lines(scratch, 0, -1, false, vim.split(result.markdown or '', '\n', { plain = true }))
    vim.bo[scratch].filetype = 'markdown'
    vim.bo[scratch].modified = false
  end)
end

function commands.PlanFill(opts)
  local client, bufnr = M.client(0)
  if not client then
    return
  end
  local function fill(section)
    vim.ui.input({ prompt = 'Instruction for "' .. section .. '" (optional): ' }, function(instruction)
      if instruction == nil then
        return
      end
      local args = { uri = uri_of(bufnr), section = section }
      if vim.trim(instruction) ~= '' then
        args.instruction = vim.trim(instruction)
      end
      M.execute(client, 'plan.fillSection', args, bufnr, function(result)
        if result and result.applied == false then
          notify('the draft for "' .. section .. '" was not applied (the buffer changed meanwhile?)', vim.log.levels.WARN)
        end
      end)
    end)
  end
  if vim.trim(opts.args) ~= '' then
    fill(vim.trim(opts.args))
  else
    pick_section(bufnr, fill)
  end
end

function commands.PlanRefine(opts)
  local client, bufnr = M.client(0)
  if not client then
    return
  end
  local params
  local vs, ve = vim.fn.getpos("'<"), vim.fn.getpos("'>")
  if opts.range == 2 and vim.fn.visualmode() == 'v' and vs[2] == opts.line1 and ve[2] == opts.line2 then
    params = vim.lsp.util.make_given_range_params(nil, nil, bufnr, client.offset_encoding)
  else
    params = { range = M.line_range(bufnr, opts.line1, opts.line2, client.offset_encoding) }
  end
  local function refine(instruction)
    if instruction == nil or vim.trim(instruction) == '' then
      return
    end
    M.execute(client, 'plan.refine', {
      uri = uri_of(bufnr),
      range = params.range,
      instruction = vim.trim(instruction),
    }, bufnr, function(result)
      if result and result.applied == false then
        notify('the refinement was not applied (the buffer changed meanwhile?)', vim.log.levels.WARN)
      end
    end)
  end
  if vim.trim(opts.args) ~= '' then
    refine(opts.args)
  else
    vim.ui.input({ prompt = 'Refine how? ' }, refine)
  end
end

function commands.PlanAnswer(opts)
  local client, bufnr = M.client(opts.bufnr or 0)
  if not client then
    return
  end
  pick_placeholder(client, bufnr, opts.placeholder, function(p)
    local function answer(text)
      M.execute(client, 'plan.answerPlaceholder', { uri = uri_of(bufnr), placeholder = p.id, answer = text }, bufnr, function(result)
        notify('answered ' .. tostring(result and result.answered or p.id))
      end)
    end
    local function ask(default)
      vim.ui.input({ prompt = p.question .. ' ', default = default }, function(text)
        if text == nil then
          return
        end
        if vim.trim(text) ~= '' then
          return answer(vim.trim(text))
        end
        if default then
          return
        end
        -- An empty answer asks the server (LLM) for a suggestion to edit or accept.
        M.execute(client, 'plan.suggestAnswer', { uri = uri_of(bufnr), placeholder = p.id }, bufnr, function(s)
          ask(s and s.answer or '')
        end)
      end)
    end
    if vim.trim(opts.args) ~= '' then
      answer(vim.trim(opts.args))
    else
      ask(nil)
    end
  end)
end

function commands.PlanAsk()
  local client, bufnr = M.client(0)
  if not client then
    return
  end
  M.execute(client, 'plan.askOnIssue', { uri = uri_of(bufnr) }, bufnr, function(result)
    notify('posted the open questions: ' .. tostring(result and result.url))
  end)
end

function commands.PlanSync(opts)
  local client, bufnr = M.client(0)
  if not client then
    return
  end
  local function apply()
    M.execute(client, 'plan.syncAnswers', { uri = uri_of(bufnr), apply = true }, bufnr, function(result)
      notify(('applied %d answer(s) from the issue'):format(#(result and result.answers or {})))
    end)
  end
  if opts.bang then
    return apply()
  end
  M.execute(client, 'plan.syncAnswers', { uri = uri_of(bufnr), apply = false }, bufnr, function(result)
    local answers = result and result.answers or {}
    if #answers == 0 then
      return notify('no new answers on the issue')
    end
    local lines = {}
    for _, a in ipairs(answers) do
      table.insert(lines, ('%s: %s%s'):format(a.placeholder, a.answer, a.author and (' (' .. a.author .. ')') or ''))
    end
    vim.ui.select({ 'Apply', 'Cancel' }, {
      prompt = ('%d answer(s) on the issue:\n%s\nApply them?'):format(#answers, table.concat(lines, '\n')),
    }, function(choice)
      if choice == 'Apply' then
        apply()
      end
    end)
  end)
end

--- Location-list items for the placeholders of a plan.status result.
function M.status_items(bufnr, status)
  local items = {}
  for _, p in ipairs(status.placeholders or {}) do
    table.insert(items, {
      bufnr = bufnr,
      lnum = p.line + 1,
      col = 1,
      text = ('%s: %s'):format(p.id, p.question),
      type = 'W',
    })
  end
  return items
end

function M.status_summary(status)
  local missing = status.missingSections or {}
  return ('%d open, %d answered; %s'):format(
    status.open or 0,
    status.answered or 0,
    #missing == 0 and 'no missing sections' or ('missing: ' .. table.concat(missing, ', '))
  )
end

function commands.PlanStatus()
  local client, bufnr = M.client(0)
  if not client then
    return
  end
  M.execute(client, 'plan.status', { uri = uri_of(bufnr) }, bufnr, function(status)
    local items = M.status_items(bufnr, status)
    vim.fn.setloclist(0, {}, 'r', { title = 'Plan status', items = items })
    notify(M.status_summary(status) .. (#items > 0 and ' (:lopen lists the questions)' or ''))
  end)
end

function commands.PlanCancel()
  local n = M.cancel()
  notify(n == 0 and 'nothing to cancel' or ('cancelled %d request(s)'):format(n))
end

local function complete_sections(arglead)
  local out = {}
  for _, h in ipairs(M.headings(vim.api.nvim_buf_get_lines(0, 0, -1, false))) do
    if h.title:lower():find(arglead:lower(), 1, true) == 1 then
      table.insert(out, h.title)
    end
  end
  return out
end

local command_specs = {
  PlanNew = { nargs = 1, desc = 'New plan from a GitHub issue (owner/repo#N or URL)' },
  PlanInsertSections = { nargs = 0, desc = "Insert the template's missing sections" },
  PlanGatherContext = { nargs = '?', bang = true, desc = 'Gather codebase context under Status quo (! also shows it)' },
  PlanFill = { nargs = '?', complete = complete_sections, desc = 'Fill a section with the LLM' },
  PlanRefine = { nargs = '?', range = true, desc = 'Refine the selected lines with the LLM' },
  PlanAnswer = { nargs = '?', desc = 'Answer the placeholder at the cursor (or pick one)' },
  PlanAsk = { nargs = 0, desc = 'Ask the open questions on the linked issue' },
  PlanSync = { nargs = 0, bang = true, desc = 'Sync answers from the linked issue (! applies at once)' },
  PlanStatus = { nargs = 0, desc = 'Show open placeholders and missing sections' },
  PlanCancel = { nargs = 0, desc = 'Cancel running :Plan* requests' },
}

M.commands = vim.tbl_keys(command_specs)
table.sort(M.commands)

--- Sends new settings to running clients (live) and to clients started later.
function M.update_settings(settings)
  if not M.config then
    return notify('call require("plan_lsp").setup() first', vim.log.levels.ERROR)
  end
  M.config.settings = vim.tbl_deep_extend('force', M.config.settings, settings or {})
  vim.lsp.config(M.name, { settings = client_settings(M.config.settings), init_options = M.json_settings(M.config.settings) })
  for _, client in ipairs(vim.lsp.get_clients({ name = M.name })) do
    client.settings = client_settings(M.config.settings)
    client:notify('workspace/didChangeConfiguration', { settings = client.settings })
  end
end

--- The recommended buffer setup (opts.recommended): maps and how diagnostics show.
function M.attach_recommended(client, bufnr)
  local function map(lhs, rhs, desc)
    vim.keymap.set('n', lhs, rhs, { buffer = bufnr, desc = 'plan-lsp: ' .. desc })
  end
  map('gd', vim.lsp.buf.definition, 'go to definition')
  map('K', function()
    vim.lsp.buf.hover({ border = 'rounded' })
  end, 'hover')
  -- Only plan-lsp's namespace: other servers' diagnostics keep the user's configuration.
  vim.diagnostic.config({ virtual_text = { spacing = 2 } }, vim.lsp.diagnostic.get_namespace(client.id, false))
  -- Code lenses (above a section with open questions) are shown only when asked for: ask on
  -- attach and whenever the text settles.
  local function refresh_lenses()
    vim.lsp.codelens.refresh({ bufnr = bufnr })
  end
  refresh_lenses()
  vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'TextChanged' }, {
    group = vim.api.nvim_create_augroup('plan_lsp_lenses_' .. bufnr, { clear = true }),
    buffer = bufnr,
    callback = refresh_lenses,
  })
end

function M.setup(opts)
  if vim.fn.has('nvim-0.11') ~= 1 then
    return notify('needs Neovim 0.11 or later (vim.lsp.config/vim.lsp.enable)', vim.log.levels.ERROR)
  end
  opts = opts or {}
  vim.validate('opts.cmd', opts.cmd, { 'table', 'function' }, true)
  vim.validate('opts.settings', opts.settings, 'table', true)
  vim.validate('opts.filetypes', opts.filetypes, 'table', true)
  vim.validate('opts.root_markers', opts.root_markers, 'table', true)
  vim.validate('opts.recommended', opts.recommended, 'boolean', true)
  local config = {}
  for k, v in pairs(M.defaults) do
    -- Lists replace the defaults whole (tbl_deep_extend would merge them by index).
    if opts[k] ~= nil then
      config[k] = opts[k]
    else
      config[k] = vim.deepcopy(v)
    end
  end
  M.config = config

  vim.lsp.config(M.name, {
    cmd = config.cmd,
    filetypes = config.filetypes,
    root_dir = function(bufnr, on_dir)
      on_dir(M.root_for(bufnr, config.root_markers))
    end,
    -- Hovers then name this plugin's commands (:PlanAnswer…) rather than the server's ids.
    capabilities = { experimental = { planLspCommands = 'neovim' } },
    settings = client_settings(config.settings),
    init_options = M.json_settings(config.settings),
  })
  vim.lsp.enable(M.name)

  for name, spec in pairs(command_specs) do
    vim.api.nvim_create_user_command(name, commands[name], spec)
  end
  -- The server's code lenses run this client command (as VS Code's extension names it), with
  -- `{uri, placeholder}`: answer that placeholder.
  vim.lsp.commands['planLsp.answerPlaceholder'] = function(command, ctx)
    local arg = command.arguments and command.arguments[1] or {}
    local bufnr = type(arg.uri) == 'string' and vim.uri_to_bufnr(arg.uri) or ctx.bufnr
    commands.PlanAnswer({ args = '', bufnr = bufnr, placeholder = arg.placeholder })
  end

  local group = vim.api.nvim_create_augroup('plan_lsp', { clear = true })
  if config.recommended then
    vim.api.nvim_create_autocmd('LspAttach', {
      group = group,
      callback = function(ev)
        local client = vim.lsp.get_client_by_id(ev.data.client_id)
        if client and client.name == M.name then
          M.attach_recommended(client, ev.buf)
        end
      end,
    })
  end
  if config.progress then
    vim.api.nvim_create_autocmd('LspProgress', {
      group = group,
      callback = function(ev)
        local client = vim.lsp.get_client_by_id(ev.data.client_id)
        local value = ev.data.params and ev.data.params.value
        -- Only while a :Plan* command runs (the startup indexing is no news), and never without
        -- a UI (headless, scripts), where an echo only garbles stdout.
        if not client or client.name ~= M.name or type(value) ~= 'table' or next(inflight) == nil or #vim.api.nvim_list_uis() == 0 then
          return
        end
        local text = table.concat(
          vim.tbl_filter(function(s)
            return s ~= nil and s ~= ''
          end, { value.title, value.message, value.percentage and (value.percentage .. '%') or nil }),
          ' '
        )
        if value.kind == 'end' then
          text = text ~= '' and (text .. ' (done)') or 'done'
        end
        vim.api.nvim_echo({ { 'plan-lsp: ' .. text } }, false, {})
      end,
    })
  end
end

return M
