<#
.SYNOPSIS
  Installs the RecallFiles agent as a Windows service (practice side). Run as Administrator.
.DESCRIPTION
  Copies nothing: publish first (dotnet publish Scheduler -c Release -r win-x64 --self-contained -o C:\Program Files\RecallFiles).
  Secrets go into the service's environment (registry, readable by administrators and the service only), never into
  appsettings.json. Secrets are never taken as arguments (shell history, process list): the script asks for them with
  Read-Host -AsSecureString. The data folder's ACL is reduced to SYSTEM and Administrators (PHI: exports, logs).
  See docs/deployment.md ("Agent on Windows").
.EXAMPLE
  .\install-service.ps1 -PracticeId ACME-01   # asks for the PMS connection string and, with -DropBoxPassword, the drop box password
#>
param(
    # The practice whose secrets this sets: they are keyed by practice id (RecallFiles__Agent__Practices__ACME-01__ConnectionString),
    # never by list position.
    [Parameter(Mandatory)] [string] $PracticeId,
    [string] $InstallDir = 'C:\Program Files\RecallFiles',
    [string] $DataDir = 'C:\ProgramData\RecallFiles',
    [string] $ConfigFile = 'C:\ProgramData\RecallFiles\appsettings.json',
    [switch] $DropBoxPassword,
    [string] $ServiceName = 'RecallFiles',
    [string] $Urls = 'http://127.0.0.1:5080'
)
$ErrorActionPreference = 'Stop'

function Read-Secret([string] $Prompt) {
    $secure = Read-Host -Prompt $Prompt -AsSecureString
    $bstr = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($secure)
    try { return [Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr) } finally { [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr) }
}
$ConnectionString = Read-Secret 'PMS connection string (not echoed)'
$DropBoxSecret = if ($DropBoxPassword) { Read-Secret 'Drop box password (not echoed)' } else { $null }

$exe = Join-Path $InstallDir 'recallfiles.exe'
if (-not (Test-Path $exe)) { throw "$exe not found: publish RecallFiles into $InstallDir first." }
if (-not (Test-Path $ConfigFile)) { throw "$ConfigFile not found: write the agent's configuration (docs/configuration.md) first." }
New-Item -ItemType Directory -Force -Path $DataDir | Out-Null
# PHI lives here (export copies, logs, audit log): SYSTEM (the service) and Administrators only, no inheritance.
icacls $DataDir /inheritance:r /grant:r 'SYSTEM:(OI)(CI)F' 'Administrators:(OI)(CI)F' | Out-Null
if ($LASTEXITCODE -ne 0) { throw "icacls could not restrict $DataDir (exit $LASTEXITCODE)" }

# Check the configuration before installing: databases, drop boxes (host key, login) and folders.
$env:RecallFiles__DataFolder = $DataDir
$practiceKey = "RecallFiles__Agent__Practices__${PracticeId}"
Set-Item -Path "Env:${practiceKey}__ConnectionString" -Value $ConnectionString
if ($DropBoxSecret) { Set-Item -Path "Env:${practiceKey}__DropBox__Password" -Value $DropBoxSecret }
& $exe check --role agent --config $ConfigFile
if ($LASTEXITCODE -ne 0) { throw "recallfiles check failed (exit $LASTEXITCODE): fix the lines marked FAIL, then run this script again." }

$binPath = "`"$exe`" run --role agent --config `"$ConfigFile`" --urls $Urls"
if (Get-Service -Name $ServiceName -ErrorAction SilentlyContinue) {
    Stop-Service -Name $ServiceName
    sc.exe config $ServiceName binPath= $binPath start= delayed-auto | Out-Null
} else {
    New-Service -Name $ServiceName -BinaryPathName $binPath -DisplayName 'RecallFiles agent' `
        -Description 'Exports PMS appointments to the reminder service drop box (RecallFiles).' -StartupType Automatic | Out-Null
    sc.exe config $ServiceName start= delayed-auto | Out-Null
}

# The service's own environment (HKLM\SYSTEM\CurrentControlSet\Services\<name>\Environment): secrets stay out of files.
$environment = @(
    "RecallFiles__DataFolder=$DataDir",
    "${practiceKey}__ConnectionString=$ConnectionString"
)
if ($DropBoxSecret) { $environment += "${practiceKey}__DropBox__Password=$DropBoxSecret" }
$serviceKey = "HKLM:\SYSTEM\CurrentControlSet\Services\$ServiceName"
Set-ItemProperty -Path $serviceKey -Name Environment -Type MultiString -Value $environment
# The service key holds secrets: SYSTEM and Administrators only (local users can read service keys by default).
$acl = Get-Acl $serviceKey
$acl.SetAccessRuleProtection($true, $false)
foreach ($who in 'NT AUTHORITY\SYSTEM', 'BUILTIN\Administrators') {
    $acl.AddAccessRule((New-Object System.Security.AccessControl.RegistryAccessRule($who, 'FullControl', 'ContainerInherit', 'None', 'Allow')))
}
Set-Acl -Path $serviceKey -AclObject $acl
Remove-Item "Env:${practiceKey}__ConnectionString", "Env:${practiceKey}__DropBox__Password" -ErrorAction SilentlyContinue

# Restart after a failure (a fatal error exits non-zero): after 30 s, 30 s, then 5 min; reset the count daily.
sc.exe failure $ServiceName reset= 86400 actions= restart/30000/restart/30000/restart/300000 | Out-Null
Start-Service -Name $ServiceName
Write-Host "RecallFiles agent installed and started. Dashboard: $Urls/hangfire (this machine only). Logs: $DataDir\logs"
