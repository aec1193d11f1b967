<?php
// Sends one message the way a Laravel 8 application does with an exported .env: the .env
// read by phpdotenv through Laravel's Env, the mail settings of the 8.x application
// skeleton (config/mail.php), and Laravel's mail manager. php laravel.php EXPORT TO SUBJECT
foreach (['Container', 'Config', 'Events', 'Filesystem', 'View', 'Mail', 'Support'] as $part) {
    require "/usr/share/php/Illuminate/$part/autoload.php";
}
require '/usr/share/php/Dotenv/autoload.php';
require '/usr/share/php/Egulias/EmailValidator/autoload.php';

use Illuminate\Config\Repository;
use Illuminate\Container\Container;
use Illuminate\Events\Dispatcher;
use Illuminate\Filesystem\Filesystem;
use Illuminate\Mail\MailManager;
use Illuminate\Support\Env;
use Illuminate\View\Engines\EngineResolver;
use Illuminate\View\Factory;
use Illuminate\View\FileViewFinder;

[, $export, $to, $subject] = $argv;
Dotenv\Dotenv::create(Env::getRepository(), dirname($export), basename($export))->load();

$app = new Container();
$events = new Dispatcher($app);
$app->instance('events', $events);
$app->instance('view', new Factory(new EngineResolver(), new FileViewFinder(new Filesystem(), []), $events));
$app->instance('config', new Repository(['mail' => [
    'default' => env('MAIL_MAILER', 'smtp'),
    'mailers' => [
        'smtp' => [
            'transport' => 'smtp',
            'host' => env('MAIL_HOST', 'smtp.mailgun.org'),
            'port' => env('MAIL_PORT', 587),
            'encryption' => env('MAIL_ENCRYPTION', 'tls'),
            'username' => env('MAIL_USERNAME'),
            'password' => env('MAIL_PASSWORD'),
            'timeout' => null,
            'auth_mode' => null,
            // The EHLO name, without asking DNS for this machine's.
            'local_domain' => 'localhost',
        ],
    ],
    'from' => [
        'address' => env('MAIL_FROM_ADDRESS', 'hello@example.com'),
        'name' => env('MAIL_FROM_NAME', 'Example'),
    ],
]]));
(new MailManager($app))->mailer('smtp')->raw(
    "sent with an exported configuration\n",
    function ($message) use ($to, $subject) {
        $message->to($to)->subject($subject);
    }
);
