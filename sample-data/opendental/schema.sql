-- The Open Dental tables the RecallFiles exporter reads, with the column layout of
-- shared/reference/opendental.md (types as Open Dental's schema generator maps them).
-- Used by the tests, the benchmark and the documentation; not a full Open Dental schema.
CREATE TABLE clinic (
    ClinicNum bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, Description varchar(255) NOT NULL DEFAULT '', Abbr varchar(255) NOT NULL DEFAULT '',
    Address varchar(255) NOT NULL DEFAULT '', City varchar(255) NOT NULL DEFAULT '', State varchar(255) NOT NULL DEFAULT '',
    Zip varchar(255) NOT NULL DEFAULT '', Phone varchar(255) NOT NULL DEFAULT '', IsHidden tinyint NOT NULL DEFAULT 0,
    IsConfirmEnabled tinyint NOT NULL DEFAULT 0, TimeZone varchar(255) NOT NULL DEFAULT '');
CREATE TABLE provider (
    ProvNum bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, Abbr varchar(255) NOT NULL DEFAULT '', LName varchar(255) NOT NULL DEFAULT '',
    FName varchar(255) NOT NULL DEFAULT '', MI varchar(255) NOT NULL DEFAULT '', Suffix varchar(255) NOT NULL DEFAULT '',
    PreferredName varchar(255) NOT NULL DEFAULT '', IsHidden tinyint NOT NULL DEFAULT 0, ProvStatus tinyint NOT NULL DEFAULT 0,
    EmailAddressNum bigint NOT NULL DEFAULT 0, DateTStamp timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP);
CREATE TABLE operatory (
    OperatoryNum bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, OpName varchar(255) NOT NULL DEFAULT '', Abbrev varchar(255) NOT NULL DEFAULT '',
    ProvDentist bigint NOT NULL DEFAULT 0, ProvHygienist bigint NOT NULL DEFAULT 0, ClinicNum bigint NOT NULL DEFAULT 0,
    IsHidden tinyint NOT NULL DEFAULT 0, IsHygiene tinyint NOT NULL DEFAULT 0, DateTStamp timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP);
CREATE TABLE patient (
    PatNum bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, LName varchar(100) NOT NULL DEFAULT '', FName varchar(100) NOT NULL DEFAULT '',
    MiddleI varchar(100) NOT NULL DEFAULT '', Preferred varchar(100) NOT NULL DEFAULT '', PatStatus tinyint NOT NULL DEFAULT 0,
    Birthdate date NOT NULL DEFAULT '0001-01-01', HmPhone varchar(30) NOT NULL DEFAULT '', WkPhone varchar(30) NOT NULL DEFAULT '',
    WirelessPhone varchar(30) NOT NULL DEFAULT '', Email varchar(100) NOT NULL DEFAULT '', Guarantor bigint NOT NULL DEFAULT 0,
    PriProv bigint NOT NULL DEFAULT 0, ClinicNum bigint NOT NULL DEFAULT 0, PreferConfirmMethod tinyint NOT NULL DEFAULT 0,
    PreferContactMethod tinyint NOT NULL DEFAULT 0, PreferRecallMethod tinyint NOT NULL DEFAULT 0, TxtMsgOk tinyint NOT NULL DEFAULT 0,
    Language varchar(100) NOT NULL DEFAULT '', DateTStamp timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP);
CREATE TABLE appointment (
    AptNum bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, PatNum bigint NOT NULL, AptStatus tinyint NOT NULL DEFAULT 0,
    Pattern varchar(255) NOT NULL DEFAULT '', Confirmed bigint NOT NULL DEFAULT 0, TimeLocked tinyint NOT NULL DEFAULT 0,
    Op bigint NOT NULL DEFAULT 0, Note text, ProvNum bigint NOT NULL DEFAULT 0, ProvHyg bigint NOT NULL DEFAULT 0,
    AptDateTime datetime NOT NULL DEFAULT '0001-01-01 00:00:00', NextAptNum bigint NOT NULL DEFAULT 0, UnschedStatus bigint NOT NULL DEFAULT 0,
    IsNewPatient tinyint NOT NULL DEFAULT 0, ProcDescript varchar(255) NOT NULL DEFAULT '', Assistant bigint NOT NULL DEFAULT 0,
    ClinicNum bigint NOT NULL DEFAULT 0, IsHygiene tinyint NOT NULL DEFAULT 0,
    DateTStamp timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
    DateTimeArrived datetime NOT NULL DEFAULT '0001-01-01 00:00:00', DateTimeSeated datetime NOT NULL DEFAULT '0001-01-01 00:00:00',
    DateTimeDismissed datetime NOT NULL DEFAULT '0001-01-01 00:00:00', DateTimeAskedToArrive datetime NOT NULL DEFAULT '0001-01-01 00:00:00',
    InsPlan1 bigint NOT NULL DEFAULT 0, InsPlan2 bigint NOT NULL DEFAULT 0, AppointmentTypeNum bigint NOT NULL DEFAULT 0,
    SecUserNumEntry bigint NOT NULL DEFAULT 0, SecDateTEntry datetime NOT NULL DEFAULT '0001-01-01 00:00:00', Priority tinyint NOT NULL DEFAULT 0,
    ProvBarText varchar(60) NOT NULL DEFAULT '',
    KEY StatusDate (AptStatus, AptDateTime, ClinicNum));
CREATE TABLE definition (
    DefNum bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, Category tinyint NOT NULL DEFAULT 0, ItemOrder smallint NOT NULL DEFAULT 0,
    ItemName varchar(255) NOT NULL DEFAULT '', ItemValue varchar(255) NOT NULL DEFAULT '', ItemColor int NOT NULL DEFAULT 0,
    IsHidden tinyint NOT NULL DEFAULT 0);

