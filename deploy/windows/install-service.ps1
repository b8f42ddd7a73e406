<#
.SYNOPSIS
  Installs the RecallFiles agent as a Windows service (practice side). Run as Administrator.
.DESCRIPTION
  Copies nothing: publish first (dotnet publish Scheduler -c Release -r win-x64 --self-contained -o C:\Program Files\RecallFiles).
  Secrets go into the service's environment (registry, readable by administrators and the service only), never into
  appsettings.json. See docs/deployment.md ("Agent on Windows").
.EXAMPLE
  .\install-service.ps1 -ConnectionString 'Server=localhost;Database=opendental;User ID=recallfiles;Password=...'
#>
param(
    [string] $InstallDir = 'C:\Program Files\RecallFiles',
    [string] $DataDir = 'C:\ProgramData\RecallFiles',
    [string] $ConfigFile = 'C:\ProgramData\RecallFiles\appsettings.json',
    [Parameter(Mandatory = $true)] [string] $ConnectionString,
    [string] $DropBoxPassword,
    [string] $ServiceName = 'RecallFiles',
    [string] $Urls = 'http://127.0.0.1:5080'
)
$ErrorActionPreference = 'Stop'

$exe = Join-Path $InstallDir 'recallfiles.exe'
if (-not (Test-Path $exe)) { throw "$exe not found: publish RecallFiles into $InstallDir first." }
if (-not (Test-Path $ConfigFile)) { throw "$ConfigFile not found: write the agent's configuration (docs/configuration.md) first." }
New-Item -ItemType Directory -Force -Path $DataDir | Out-Null

# Check the configuration before installing: databases, drop boxes (host key, login) and folders.
$env:RecallFiles__DataFolder = $DataDir
$env:RecallFiles__Agent__Practices__0__ConnectionString = $ConnectionString
if ($DropBoxPassword) { $env:RecallFiles__Agent__Practices__0__DropBox__Password = $DropBoxPassword }
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
    "RecallFiles__Agent__Practices__0__ConnectionString=$ConnectionString"
)
if ($DropBoxPassword) { $environment += "RecallFiles__Agent__Practices__0__DropBox__Password=$DropBoxPassword" }
Set-ItemProperty -Path "HKLM:\SYSTEM\CurrentControlSet\Services\$ServiceName" -Name Environment -Type MultiString -Value $environment

# Restart after a failure (a fatal error exits non-zero): after 30 s, 30 s, then 5 min; reset the count daily.
sc.exe failure $ServiceName reset= 86400 actions= restart/30000/restart/30000/restart/300000 | Out-Null
Start-Service -Name $ServiceName
Write-Host "RecallFiles agent installed and started. Dashboard: $Urls/hangfire (this machine only). Logs: $DataDir\logs"
