-- :checkhealth plan_lsp — the server binary, its version, the settings, and the attached clients.
local M = {}

local KNOWN_SETTINGS = {
  template = 'string',
  placeholders = { patterns = 'table', disableDefaults = 'boolean' },
  severity = 'table',
  github = { token = 'string', apiUrl = 'string' },
  llm = {
    apiBase = 'string',
    model = 'string',
    apiKeyEnv = 'string',
    timeoutSeconds = 'number',
    maxContextBytes = 'number',
  },
  index = { maxFileBytes = 'number' },
}

local SEVERITIES = { error = true, warning = true, information = true, hint = true, off = true }

--- Problems in a settings table, as strings; empty when the settings match docs/PROTOCOL.md.
function M.settings_problems(settings, schema, prefix)
  schema, prefix = schema or KNOWN_SETTINGS, prefix or ''
  local problems = {}
  for key, value in pairs(settings or {}) do
    local expected = schema[key]
    local path = prefix .. tostring(key)
    if expected == nil then
      table.insert(problems, ('unknown setting %q'):format(path))
    elseif type(expected) == 'table' then
      if type(value) ~= 'table' then
        table.insert(problems, ('%s should be a table, got %s'):format(path, type(value)))
      else
        vim.list_extend(problems, M.settings_problems(value, expected, path .. '.'))
      end
    elseif value ~= vim.NIL and type(value) ~= expected then
      table.insert(problems, ('%s should be a %s, got %s'):format(path, expected, type(value)))
    end
  end
  if prefix == '' and type((settings or {}).severity) == 'table' then
    for code, level in pairs(settings.severity) do
      if not SEVERITIES[level] then
        table.insert(problems, ('severity.%s = %q: use error, warning, information, hint or off'):format(code, tostring(level)))
      end
    end
  end
  table.sort(problems)
  return problems
end

function M.check()
  local health = vim.health
  health.start('plan_lsp')

  if vim.fn.has('nvim-0.11') == 1 then
    health.ok('Neovim ' .. tostring(vim.version()) .. ' (0.11+ has vim.lsp.config/vim.lsp.enable)')
  else
    health.error('Neovim 0.11 or later is required', { 'Upgrade Neovim' })
  end

  local plan_lsp = require('plan_lsp')
  local config = plan_lsp.config
  if not config then
    health.error('setup() was not called', { 'Add require("plan_lsp").setup({}) to your config' })
    return
  end
  health.ok('setup() called; filetypes: ' .. table.concat(config.filetypes, ', ') .. '; root markers: ' .. table.concat(config.root_markers, ', '))

  health.start('plan_lsp: server')
  if type(config.cmd) == 'function' then
    health.info('cmd is a function: the binary cannot be checked here')
  else
    local exe = config.cmd[1]
    local path = exe and vim.fn.exepath(exe) or ''
    if path == '' then
      health.error(('server binary %q not found'):format(tostring(exe)), {
        'Install it: cargo install --locked --path . (in the plan-lsp repository)',
        'or pass the path: require("plan_lsp").setup({ cmd = { "/path/to/plan-lsp" } })',
      })
    else
      health.ok('server binary: ' .. path)
      local ok, result = pcall(function()
        return vim.system({ path, '--version' }, { text = true }):wait(10000)
      end)
      local out = ok and vim.trim(result.stdout or '') or ''
      if ok and result.code == 0 and out:match('^plan%-lsp %d+%.%d+%.%d+') then
        health.ok('version: ' .. out)
      else
        health.error(
          ('"%s --version" failed: %s'):format(path, ok and (out .. vim.trim(result.stderr or '') .. ' (exit ' .. tostring(result.code) .. ')') or tostring(result)),
          { 'Check that the binary is plan-lsp and runs on this machine' }
        )
      end
    end
  end

  health.start('plan_lsp: settings')
  local problems = M.settings_problems(config.settings)
  if #problems == 0 then
    health.ok('settings: ' .. vim.inspect(config.settings, { newline = ' ', indent = '' }))
  else
    for _, p in ipairs(problems) do
      health.warn(p, { 'See :help plan_lsp-settings' })
    end
  end
  local llm = config.settings.llm or {}
  local function set(v)
    return type(v) == 'string' and vim.trim(v) ~= ''
  end
  if set(llm.apiBase) and set(llm.model) then
    health.ok(('LLM: %s at %s'):format(llm.model, llm.apiBase))
  else
    health.info('LLM not configured (settings.llm.apiBase, settings.llm.model): :PlanFill, :PlanRefine and answer suggestions report that')
  end

  health.start('plan_lsp: clients')
  local clients = vim.lsp.get_clients({ name = plan_lsp.name })
  if #clients == 0 then
    health.info('no running client (open a ' .. table.concat(config.filetypes, '/') .. ' file to start one)')
  end
  for _, client in ipairs(clients) do
    local info = client.server_info or {}
    local buffers = vim.tbl_keys(client.attached_buffers or {})
    health.ok(('client %d: %s %s, root %s, %d buffer(s)'):format(
      client.id,
      tostring(info.name),
      tostring(info.version),
      tostring(client.root_dir),
      #buffers
    ))
  end
end

return M
